package kvstore.netty.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Renders the metrics for one scrape, in the format its {@code Accept} header prefers. */
public final class MetricsScrape {
    /** What {@code GET /metrics} answers: its {@code Content-Type} and body. */
    public record Response(String contentType, byte[] body) {
    }

    private final KvstoreMetrics metrics;
    private final ExpositionFormats formats = ExpositionFormats.init();

    public MetricsScrape(KvstoreMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Collects every metric now and writes them as Prometheus text, or OpenMetrics text when {@code accept}
     * asks for it (Prometheus does); {@code accept} may be null.
     */
    public Response scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, metrics.registry().scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array output stream does not fail", e);
        }
        return new Response(writer.getContentType(), out.toByteArray());
    }
}
