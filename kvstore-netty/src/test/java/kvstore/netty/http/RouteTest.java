package kvstore.netty.http;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTest {
    private static Route route(HttpMethod method, String uri) {
        return Route.of(method, uri, Route.pathEnd(uri));
    }

    @Test
    void shouldRouteEveryEndpoint() {
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/a"));
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/a/b"));
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/"));
        assertEquals(Route.LIST, route(HttpMethod.GET, "/kv"));
        assertEquals(Route.LIST, route(HttpMethod.GET, "/kv?prefix=a"));
        assertEquals(Route.BATCH, route(HttpMethod.POST, "/kv/batch"));
        assertEquals(Route.STATS, route(HttpMethod.GET, "/stats"));
        assertEquals(Route.HEALTH, route(HttpMethod.GET, "/health"));
        assertEquals(Route.METRICS, route(HttpMethod.GET, "/metrics"));
        assertEquals(Route.OPENAPI, route(HttpMethod.GET, "/openapi.json"));
        assertEquals(Route.COMPACT, route(HttpMethod.POST, "/admin/compact"));
        assertEquals(Route.BACKUP, route(HttpMethod.GET, "/backup"));
    }

    @Test
    void shouldTreatBatchAsAKeyForOtherMethods() {
        assertEquals(Route.ITEM, route(HttpMethod.GET, "/kv/batch"));
        assertEquals(Route.ITEM, route(HttpMethod.PUT, "/kv/batch"));
        assertEquals(Route.ITEM, route(HttpMethod.POST, "/kv/batchx"));
    }

    @Test
    void shouldNotFindOtherPaths() {
        assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, "/"));
        assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, "/kvx"));
        assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, "/stats/x"));
        assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, "/healthz"));
        assertEquals(Route.NOT_FOUND, route(HttpMethod.GET, "/metrics/x"));
    }

    @Test
    void shouldAllowOnlyTheMethodsItsAllowHeaderNames() {
        assertTrue(Route.ITEM.allows(HttpMethod.DELETE));
        assertFalse(Route.ITEM.allows(HttpMethod.POST));
        assertFalse(Route.LIST.allows(HttpMethod.PUT));
        assertFalse(Route.STATS.allows(HttpMethod.POST));
        assertEquals("GET, PUT, DELETE", Route.ITEM.allow);
        assertEquals("GET", Route.HEALTH.allow);
        assertEquals("POST", Route.BATCH.allow);
    }

    @Test
    void shouldWriteOnlyWithTheMethodsThatChangeTheStore() {
        for (Route route : Route.values()) {
            for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.POST)) {
                boolean changesTheStore = route == Route.ITEM && (method == HttpMethod.PUT || method == HttpMethod.DELETE)
                        || route == Route.BATCH && method == HttpMethod.POST;
                assertEquals(changesTheStore, route.writes(method), route + " " + method);
            }
        }
    }
}
