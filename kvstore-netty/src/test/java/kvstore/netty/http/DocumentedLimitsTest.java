package kvstore.netty.http;

import com.fasterxml.jackson.core.StreamReadConstraints;
import kvstore.core.json.CompactJson;
import kvstore.core.store.Totals;
import kvstore.netty.RepoDocs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the README and docs/api.md say about the server's limits is what its constants are: each sentence that
 * names a limit is rebuilt here from the constant, so changing one without the other fails this test.
 */
class DocumentedLimitsTest {
    private static final int KIB = 1024;

    private static void says(String file, String sentence, String constant) {
        assertTrue(RepoDocs.prose(file).contains(sentence),
                file + " no longer says \"" + sentence + "\" (from " + constant + "): update the text or the constant");
    }

    @Test
    void shouldDescribeThePipeliningAndWriteBufferBoundsByTheirConstants() {
        says("README.md", "pauses at " + ResponseOrder.PAUSE_READING_AT + " requests without a response and goes on at "
                + ResponseOrder.RESUME_READING_AT, "ResponseOrder.PAUSE_READING_AT, RESUME_READING_AT");
        says("README.md", "unsent responses are over " + HttpServer.WRITE_BUFFER_HIGH / KIB + " KiB and goes on under "
                + HttpServer.WRITE_BUFFER_LOW / KIB + " KiB", "HttpServer.WRITE_BUFFER_HIGH, WRITE_BUFFER_LOW");
        says("docs/api.md", "while more than " + HttpServer.WRITE_BUFFER_HIGH / KIB + " KiB of its answers wait",
                "HttpServer.WRITE_BUFFER_HIGH");
        says("README.md", "once those in flight carry " + RequestOrder.WRITE_BYTES_IN_FLIGHT / KIB + " KiB of bodies",
                "RequestOrder.WRITE_BYTES_IN_FLIGHT");
    }

    @Test
    void shouldDescribeTheSharedBudgetsByTheirConstants() {
        long capMib = HttpSettings.HEAP_SHARE_CAP >> 20;
        says("README.md", "bodies over " + BodyBudgetHandler.SMALL_BODY / KIB + " KiB being received on all connections "
                + "together take at most a quarter of the heap, capped at " + capMib + " MiB", "BodyBudgetHandler.SMALL_BODY");
        says("README.md", "Responses over " + ResponseBudget.LARGE_RESPONSE / KIB + " KiB not yet sent on all connections "
                + "together take at most a quarter of the heap, capped at " + capMib + " MiB", "ResponseBudget.LARGE_RESPONSE");
        says("docs/api.md", "Answers over " + ResponseBudget.LARGE_RESPONSE / KIB + " KiB waiting to be sent on all "
                + "connections together are bounded too (a quarter of the heap, at most " + capMib + " MiB)",
                "ResponseBudget.LARGE_RESPONSE, HttpSettings.HEAP_SHARE_CAP");
        says("docs/api.md", "An answer over " + (JsonStream.STREAM_ABOVE >> 20) + " MiB (gets of large values) is "
                + "streamed", "JsonStream.STREAM_ABOVE");
        says("docs/api.md", "Streamed answers (batches and listings over " + (JsonStream.STREAM_ABOVE >> 20)
                + " MiB, backups, watches) count in that bound", "JsonStream.STREAM_ABOVE");
    }

    @Test
    void shouldDescribeRequestAndDataLimitsByTheirConstants() {
        says("docs/api.md", "a request line longer than " + HttpChannelInitializer.MAX_REQUEST_LINE / KIB
                + " KiB, headers larger than " + HttpChannelInitializer.MAX_HEADERS / KIB + " KiB",
                "HttpChannelInitializer.MAX_REQUEST_LINE, MAX_HEADERS");
        says("README.md", "a fixed " + Totals.ENTRY_OVERHEAD_BYTES + " bytes per entry",
                "Totals.ENTRY_OVERHEAD_BYTES");
        StreamReadConstraints json = CompactJson.FACTORY.streamReadConstraints();
        says("README.md", "JSON bodies nest at most " + json.getMaxNestingDepth() + " levels and numbers have at most "
                + json.getMaxNumberLength() + " characters", "CompactJson's read constraints");
    }

    @Test
    void shouldListTheCorsHeadersTheServerSends() {
        says("docs/api.md", "Access-Control-Allow-Methods: " + CorsHandler.ALLOW_METHODS, "CorsHandler.ALLOW_METHODS");
        says("docs/api.md", "Access-Control-Allow-Headers: " + CorsHandler.ALLOW_HEADERS, "CorsHandler.ALLOW_HEADERS");
        says("docs/api.md", "Access-Control-Expose-Headers: " + CorsHandler.EXPOSE_HEADERS, "CorsHandler.EXPOSE_HEADERS");
        says("docs/api.md", "Access-Control-Max-Age: " + CorsHandler.MAX_AGE_SECONDS, "CorsHandler.MAX_AGE_SECONDS");
    }
}
