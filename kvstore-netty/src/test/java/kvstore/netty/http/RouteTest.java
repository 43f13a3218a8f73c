package kvstore.netty.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import kvstore.core.cluster.Cluster;
import kvstore.core.time.NanoClock;
import kvstore.netty.metrics.KvMetrics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route table, and what the server and the documents derive from it. */
class RouteTest {
    private static final List<HttpMethod> METHODS = List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.PATCH, HttpMethod.OPTIONS);

    private static Route route(HttpMethod method, String uri) {
        return Route.of(method, uri, Route.pathEnd(uri));
    }

    /** A request path for a documented one: each {@code {parameter}} becomes {@code k}. */
    static String samplePath(String documentedPath) {
        return documentedPath.replaceAll("\\{[^}]*}", "k");
    }

    /** The repository's file {@code name}, from the module the tests run in. */
    private static String repositoryFile(String name) throws IOException {
        Path file = Path.of("..", name);
        assertTrue(Files.isRegularFile(file), "run from the module directory: " + file.toAbsolutePath());
        return Files.readString(file);
    }

    @Test
    void shouldRouteEveryEndpointByItsDocumentedPath() {
        for (Route r : Route.ENDPOINTS) {
            for (HttpMethod method : r.methods()) {
                assertEquals(r, route(method, samplePath(r.documentedPath)), method + " " + r.documentedPath);
                assertEquals(r, route(method, samplePath(r.documentedPath) + "?x=1"), "a query does not change it");
            }
        }
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/a/b"));
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/"));
        assertEquals(Route.LIST, route(HttpMethod.GET, "/kv?prefix=a"));
        assertEquals(Route.UI, route(HttpMethod.GET, "/ui"), "a directory without its slash");
        assertEquals(Route.UI, route(HttpMethod.GET, "/ui?x=1"));
        assertEquals(Route.UI, route(HttpMethod.GET, "/ui/"));
        assertTrue(Route.UI.namesDirectory("/ui?x", 3));
        assertFalse(Route.UI.namesDirectory("/ui/", 4));
        assertFalse(Route.ITEM.namesDirectory("/kv", 3), "only a directory route has one");
    }

    @Test
    void shouldTreatBatchAsAKeyForOtherMethods() {
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/batch"));
        assertEquals(Route.ITEM, route(HttpMethod.PUT, "/kv/batch"));
        assertEquals(Route.ITEM, route(HttpMethod.POST, "/kv/batchx"));
        assertEquals(Route.BATCH, route(HttpMethod.POST, "/kv/batch"));
    }

    @Test
    void shouldNotFindOtherPaths() {
        for (String path : List.of("/", "/kvx", "/stats/x", "/healthz", "/metrics/x", "/watch/x", "/clusters", "/ready/",
                "/u", "/uix", "/ui.html")) {
            assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, path), path);
        }
    }

    @Test
    void shouldAllowOnlyTheMethodsItsAllowHeaderNames() {
        assertTrue(Route.ITEM.allows(HttpMethod.DELETE));
        assertFalse(Route.ITEM.allows(HttpMethod.POST));
        assertFalse(Route.LIST.allows(HttpMethod.PUT));
        assertEquals("GET, PUT, DELETE", Route.ITEM.allow);
        assertEquals("GET", Route.HEALTH.allow);
        assertEquals("POST", Route.BATCH.allow);
    }

    @Test
    void shouldWriteOnlyWithTheMethodsThatChangeTheStore() {
        for (Route route : Route.values()) {
            for (HttpMethod method : METHODS) {
                boolean changesTheStore = route == Route.ITEM && (method == HttpMethod.PUT || method == HttpMethod.DELETE)
                        || route == Route.BATCH && method == HttpMethod.POST;
                assertEquals(changesTheStore, route.writes(method), route + " " + method);
            }
        }
    }

    @Test
    void shouldNeedTheTokenEverywhereButTheHealthCheckAndTheConsolesFiles() {
        for (Route route : Route.values()) {
            for (HttpMethod method : METHODS) {
                boolean isPublic = (route == Route.HEALTH || route == Route.UI) && method == HttpMethod.GET;
                assertEquals(!isPublic, route.needsToken(method),
                        route + " " + method);
            }
        }
    }

    @Test
    void shouldReadLinearizablyTheKeysTheFiguresAndTheWatches() {
        for (Route route : Route.values()) {
            boolean linearizable = route == Route.ITEM || route == Route.LIST || route == Route.STATS
                    || route == Route.WATCH;
            assertEquals(linearizable, route.readsLinearizably(HttpMethod.GET), route.toString());
            assertFalse(route.readsLinearizably(HttpMethod.PUT), route.toString());
        }
    }

    @Test
    void shouldGiveEveryRouteItsOwnMetricsLabelAndListExactlyTheLabelsInTheReadme() throws IOException {
        String readme = repositoryFile("README.md");
        Matcher row = Pattern.compile("(?m)^\\| `kvstore_http_requests_total\\{route,method,status}`.*$").matcher(readme);
        assertTrue(row.find(), "README.md has no row for kvstore_http_requests_total");
        long distinct = Arrays.stream(Route.values()).map(r -> r.label).distinct().count();
        assertEquals(Route.values().length, distinct, "two routes share a label");
        String routes = between(row.group(), "`route` is the endpoint:", "; `method` is");
        Set<String> table = Arrays.stream(Route.values()).map(r -> r.label).collect(Collectors.toCollection(TreeSet::new));
        Set<String> listed = quoted(routes).stream().filter(label -> !label.startsWith("/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(table, listed, "README.md's route labels (paths aside) against the route table");
        String methods = between(row.group(), "; `method` is one of", "; a streamed response");
        List<String> labels = new ArrayList<>(Arrays.stream(RequestMetrics.METHODS).map(HttpMethod::name).toList());
        labels.add(RequestMetrics.OTHER);
        assertEquals(labels, quoted(methods), "README.md's method labels against RequestMetrics.METHODS");
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = text.indexOf(end, from + 1);
        assertTrue(from >= 0 && to > from, "no \"" + start + "\" ... \"" + end + "\" in " + text);
        return text.substring(from + start.length(), to);
    }

    /** Every {@code `word`} of {@code text}, in order. */
    private static List<String> quoted(String text) {
        List<String> words = new ArrayList<>();
        for (Matcher m = Pattern.compile("`([^`]+)`").matcher(text); m.find(); ) {
            words.add(m.group(1));
        }
        return words;
    }

    @Test
    void shouldDescribeEveryMethodOfEveryRouteInTheApiDocument() throws IOException {
        String api = repositoryFile("docs/api.md");
        for (Route route : Route.ENDPOINTS) {
            for (HttpMethod method : route.methods()) {
                String operation = "`" + method.name() + " " + route.documentedPath;
                assertTrue(api.contains(operation), "docs/api.md does not describe " + operation + "`");
            }
        }
    }

    @Test
    void shouldAnswerAMethodARouteDoesNotTakeWith405AndTheRoutesAllowHeader() {
        Cluster cluster = new FakeCluster();
        FakeEngine engine = new FakeEngine();
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseOrder(), new KvHandler(
                Endpoints.of(engine, "always", cluster, engine.watches), new RequestMetrics(new KvMetrics(NanoClock.SYSTEM))));
        int checked = 0;
        for (Route r : Route.ENDPOINTS) {
            for (HttpMethod method : METHODS) {
                String uri = samplePath(r.documentedPath);
                if (r.allows(method) || route(method, uri) != r || method == HttpMethod.OPTIONS) {
                    continue; // served, another route's (POST /kv/batch), or a CORS preflight (204 everywhere)
                }
                channel.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.EMPTY_BUFFER));
                FullHttpResponse response = channel.readOutbound();
                assertNotNull(response, method + " " + uri);
                try {
                    assertEquals(405, response.status().code(), method + " " + uri);
                    assertEquals(r.allow, response.headers().get(HttpHeaderNames.ALLOW), method + " " + uri);
                } finally {
                    response.release();
                }
                checked++;
            }
        }
        assertTrue(checked > 20, "checked " + checked);
        assertTrue(channel.finishAndReleaseAll() || true);
    }
}
