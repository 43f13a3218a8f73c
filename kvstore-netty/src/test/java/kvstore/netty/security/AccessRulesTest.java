package kvstore.netty.security;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessRulesTest {
    private final AccessRules loopback = new AccessRules(null, Set.of("https://App.example.com/"),
            Set.of("kv.internal"), true);

    @Test
    void shouldLetRequestsWithoutOriginThrough() {
        assertTrue(loopback.originAllowed(null));
        assertTrue(AccessRules.LOOPBACK_DEFAULTS.originAllowed(null));
    }

    @Test
    void shouldAllowOnlyListedOriginsIgnoringCaseAndTrailingSlash() {
        assertTrue(loopback.originAllowed("https://app.example.com"));
        assertTrue(loopback.originAllowed("HTTPS://APP.EXAMPLE.COM/"));
        assertFalse(loopback.originAllowed("http://app.example.com"));
        assertFalse(loopback.originAllowed("https://app.example.com.evil"));
        assertFalse(loopback.originAllowed("null"));
        assertFalse(AccessRules.LOOPBACK_DEFAULTS.originAllowed("http://localhost:3000"));
    }

    @Test
    void shouldAcceptLoopbackNamesWithAnyPortAndListedHosts() {
        for (String host : new String[] {"localhost", "localhost:8080", "127.0.0.1", "127.0.0.1:1", "[::1]",
                "[::1]:8080", "LocalHost", "kv.internal", "KV.internal:9000", "127.0.0.2:8080"}) {
            assertTrue(loopback.hostAllowed(host), host);
        }
    }

    @Test
    void shouldRefuseOtherHostsWhileOnLoopback() {
        for (String host : new String[] {"evil.example", "evil.example:8080", "localhost.evil.example",
                "127.0.0.1.evil.example", "127.0.0.1:80@evil", "[::2]", "kv.internal.evil", "10.0.0.1"}) {
            assertFalse(loopback.hostAllowed(host), host);
        }
    }

    @Test
    void shouldNotCheckHostsWhenListeningBeyondLoopback() {
        AccessRules open = new AccessRules(BearerToken.of("t"), Set.of(), Set.of(), false);
        assertTrue(open.hostAllowed("kv.example.com"));
    }

    @Test
    void shouldNeedTheTokenForEverythingButHealthChecks() {
        AccessRules locked = new AccessRules(BearerToken.of("t"), Set.of(), Set.of(), true);
        assertTrue(locked.authorised(true, null));
        assertFalse(locked.authorised(false, null));
        assertFalse(locked.authorised(false, "Bearer x"));
        assertTrue(locked.authorised(false, "Bearer t"));
        assertTrue(AccessRules.LOOPBACK_DEFAULTS.authorised(false, null));
    }

    @Test
    void shouldTakeTheServersOwnOriginAsSameOriginOnLoopback() {
        assertTrue(loopback.sameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080", false));
        assertTrue(loopback.sameOrigin("http://LOCALHOST:8080/", "localhost:8080", false));
        assertTrue(loopback.sameOrigin("https://kv.internal", "kv.internal", true));
        assertFalse(loopback.sameOrigin("http://127.0.0.1:8081", "127.0.0.1:8080", false), "another port");
        assertFalse(loopback.sameOrigin("https://127.0.0.1:8080", "127.0.0.1:8080", false), "another scheme");
        assertFalse(loopback.sameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080", true), "another scheme");
        assertFalse(loopback.sameOrigin("http://evil.example", "evil.example", false), "a name rebound by DNS");
        assertFalse(loopback.sameOrigin("null", "127.0.0.1:8080", false));
        assertFalse(loopback.sameOrigin(null, "127.0.0.1:8080", false));
        assertFalse(loopback.sameOrigin("http://127.0.0.1:8080", null, false));
    }

    @Test
    void shouldTakeOnlyNamesNoOtherSiteCanPoseAsBeyondLoopback() {
        AccessRules open = new AccessRules(null, Set.of(), Set.of("kv.example.com"), false);
        assertTrue(open.sameOrigin("http://10.0.0.5:8080", "10.0.0.5:8080", false), "an address is never rebound");
        assertTrue(open.sameOrigin("http://[fd00::5]:8080", "[fd00::5]:8080", false));
        assertTrue(open.sameOrigin("http://kv.example.com", "kv.example.com", false), "listed in --allowed-hosts");
        assertFalse(open.sameOrigin("http://evil.example:8080", "evil.example:8080", false), "any name, without a token");
        AccessRules locked = new AccessRules(BearerToken.of("t"), Set.of(), Set.of(), false);
        assertTrue(locked.sameOrigin("http://kv.example.com", "kv.example.com", false), "another site has no token");
    }
}
