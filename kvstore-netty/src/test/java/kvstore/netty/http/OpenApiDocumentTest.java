package kvstore.netty.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenAPI document on the classpath ({@code src/main/resources/openapi.json}) against the routes. */
class OpenApiDocumentTest {
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    private static JsonNode document;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.json")) {
            assertNotNull(in, "openapi.json is not on the classpath");
            document = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void shouldDeclareOpenApi31() {
        assertTrue(document.path("openapi").asText().matches("3\\.1\\.\\d+"), document.path("openapi").toString());
        assertFalse(document.path("info").path("title").asText().isEmpty());
        assertFalse(document.path("info").path("version").asText().isEmpty());
        assertTrue(document.path("paths").isObject() && document.path("paths").size() > 0);
    }

    @Test
    void shouldGiveEveryOperationDescribedResponses() {
        List<String> operations = operations();
        assertFalse(operations.isEmpty());
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (!HTTP_METHODS.contains(op.getKey())) {
                return;
            }
            String name = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
            JsonNode responses = op.getValue().path("responses");
            assertTrue(responses.isObject() && responses.size() > 0, name + " has no responses");
            responses.fields().forEachRemaining(r -> {
                assertTrue(r.getKey().matches("[1-5]\\d\\d|default"), name + ": status " + r.getKey());
                JsonNode response = resolve(r.getValue());
                assertFalse(response.path("description").asText().isEmpty(), name + " " + r.getKey() + " has no description");
            });
        }));
    }

    @Test
    void shouldResolveEveryReference() {
        List<String> refs = new ArrayList<>();
        collectRefs(document, refs);
        assertFalse(refs.isEmpty());
        for (String ref : refs) {
            assertTrue(ref.startsWith("#/"), ref);
            assertFalse(document.at(ref.substring(1)).isMissingNode(), "dangling $ref " + ref);
        }
    }

    @Test
    void shouldDescribeEveryMethodOfEveryRouteAtItsDocumentedPath() {
        Set<String> documented = new TreeSet<>(operations());
        for (Route route : Route.ENDPOINTS) {
            for (HttpMethod method : route.methods()) {
                String operation = method.name() + " " + route.documentedPath;
                assertTrue(documented.contains(operation), operation + " (route " + route + ") is missing from openapi.json");
            }
        }
    }

    @Test
    void shouldServeEveryDocumentedOperation() {
        for (String operation : operations()) {
            String[] parts = operation.split(" ", 2);
            HttpMethod method = HttpMethod.valueOf(parts[0]);
            String uri = RouteTest.samplePath(parts[1]);
            Route route = Route.of(method, uri, Route.pathEnd(uri));
            assertTrue(route.documentedPath != null && route.allows(method) && route.documentedPath.equals(parts[1]),
                    operation + " is documented but not served as documented (routed to " + route + ")");
        }
    }

    @Test
    void shouldDescribeTheClusterOnlyOperationsAndTheir404OnASingleServer() {
        Set<String> tagged = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (HTTP_METHODS.contains(op.getKey()) && op.getValue().path("tags").toString().contains("\"cluster\"")) {
                tagged.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        Set<String> clusterOnly = new TreeSet<>();
        for (Route route : Route.ENDPOINTS) {
            if (route.clusterOnly()) {
                route.methods().forEach(m -> clusterOnly.add(m.name() + " " + route.documentedPath));
            }
        }
        assertEquals(clusterOnly, tagged, "the operations tagged cluster are those only a cluster member answers");
        for (String operation : clusterOnly) {
            String[] parts = operation.split(" ", 2);
            JsonNode op = document.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
            assertTrue(op.path("description").asText().contains("only by a member of a cluster"), operation);
            JsonNode notFound = op.path("responses").path("404").path("content").path("application/json");
            assertEquals("no such endpoint: " + parts[1], notFound.path("example").path("error").asText(),
                    operation + " documents what a single server answers");
        }
    }

    /** "GET /kv/{key}", ... for every operation of the document. */
    private static List<String> operations() {
        List<String> result = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (HTTP_METHODS.contains(method)) {
                result.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        return result;
    }

    private static JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? document.at(node.get("$ref").asText().substring(1)) : node;
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.has("$ref")) {
            into.add(node.get("$ref").asText());
        }
        node.forEach(child -> collectRefs(child, into));
    }
}
