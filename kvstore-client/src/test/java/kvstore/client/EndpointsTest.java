package kvstore.client;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EndpointsTest {
    private static Endpoints three() {
        return new Endpoints(List.of(URI.create("http://a:1"), URI.create("http://b:2/"), URI.create("https://c:3/kv-proxy")));
    }

    @Test
    void shouldGoRoundFromThePreferredEndpoint() {
        Endpoints endpoints = three();
        assertEquals(0, endpoints.preferred());
        assertEquals(List.of(0, 1, 2), List.of(endpoints.nth(0, 0), endpoints.nth(0, 1), endpoints.nth(0, 2)));
        assertEquals(List.of(2, 0, 1), List.of(endpoints.nth(2, 0), endpoints.nth(2, 1), endpoints.nth(2, 2)));
        assertEquals("http://b:2", endpoints.base(1), "no trailing slash");
        assertEquals("https://c:3/kv-proxy", endpoints.base(2), "a path prefix is kept");
    }

    @Test
    void shouldPassThePreferenceOnWhenThePreferredFailsOnly() {
        Endpoints endpoints = three();
        endpoints.failed(0);
        assertEquals(1, endpoints.preferred());
        endpoints.failed(0);
        assertEquals(1, endpoints.preferred(), "a late failure of an endpoint already left changes nothing");
        endpoints.failed(1);
        endpoints.failed(2);
        assertEquals(0, endpoints.preferred(), "round again");
    }

    @Test
    void shouldSayWhetherAnyEndpointIsReachedOverTls() {
        assertTrue(three().anyTls());
        assertTrue(new Endpoints(List.of(URI.create("HTTPS://a:1"))).anyTls(), "the scheme in any case");
        assertFalse(new Endpoints(List.of(URI.create("http://a:1"), URI.create("http://https:2"))).anyTls(),
                "a host named https is no TLS");
    }

    @Test
    void shouldRefuseWhatIsNotAnHttpUrl() {
        assertThrows(IllegalArgumentException.class, () -> new Endpoints(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Endpoints(List.of(URI.create("ftp://a:1"))));
        assertThrows(IllegalArgumentException.class, () -> new Endpoints(List.of(URI.create("localhost:8080"))));
        assertThrows(IllegalArgumentException.class, () -> new Endpoints(List.of(URI.create("http://a:1/?x=1"))));
    }
}
