package kvstore.netty.security;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which requests may use the server, from their headers alone.
 *
 * <ul>
 *   <li>With a {@link BearerToken}, every request but {@code GET /health} must carry it.</li>
 *   <li>A request with an {@code Origin} (a browser) is refused unless that origin is listed, or is the server's
 *       own (the web console's pages, see {@link #sameOrigin}): a web page must not drive a local kvstore (a
 *       {@code text/plain} POST needs no CORS preflight).</li>
 *   <li>While the server listens on loopback, the {@code Host} must be {@code localhost}, a loopback address
 *       ({@code 127.x.x.x}, {@code [::1]}) or listed: a page whose DNS name was rebound to 127.0.0.1 still
 *       sends its own name.</li>
 * </ul>
 *
 * @param token the required token, or null when none is required
 * @param allowedOrigins origins allowed to call, compared without case
 * @param allowedHosts host names accepted besides the loopback ones, compared without case and port
 * @param checkHost whether the Host rule applies (the server listens on loopback)
 */
public record AccessRules(BearerToken token, Set<String> allowedOrigins, Set<String> allowedHosts, boolean checkHost) {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "[::1]");
    private static final Pattern PORT = Pattern.compile(":\\d{1,5}");
    /** An IPv4 loopback literal: no DNS name, so it cannot have been rebound. */
    private static final Pattern LOOPBACK_IPV4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    /** No token; no origin allowed; the Host rule applies. What a default, loopback-only server uses. */
    public static final AccessRules LOOPBACK_DEFAULTS = new AccessRules(null, Set.of(), Set.of(), true);

    public AccessRules {
        allowedOrigins = lowerCase(allowedOrigins);
        allowedHosts = lowerCase(allowedHosts);
    }

    /** Whether a request with this {@code Origin} header (or null when it has none) may go on. */
    public boolean originAllowed(String origin) {
        if (origin == null) {
            return true;
        }
        return allowedOrigins.contains(normalisedOrigin(origin));
    }

    private static String normalisedOrigin(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    /**
     * Whether a request's {@code Origin} is the server itself: {@code scheme://Host}, as a browser sends it with the
     * writes of a page the server served (the web console). Accepted only where a page that merely calls itself
     * by that name cannot be an attacker's: when the Host rule applies and admits the name; when a token is
     * required (a page of another site does not have it); when the Host is an IP address (DNS cannot rebind an
     * address) or is listed in {@code --allowed-hosts}.
     *
     * @param tls whether the server speaks HTTPS, so that its pages' origin is {@code https://}
     */
    public boolean sameOrigin(String origin, String host, boolean tls) {
        if (origin == null || host == null) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (!normalisedOrigin(origin).equals((tls ? "https://" : "http://") + h)) {
            return false;
        }
        if (checkHost) {
            return hostAllowed(h);
        }
        String name = hostName(h);
        return token != null || allowedHosts.contains(name) || IP_ADDRESS.matcher(name).matches()
                || name.startsWith("[");
    }

    /** Whether a request with this {@code Host} header (or null when it has none) may go on. */
    public boolean hostAllowed(String host) {
        if (!checkHost || host == null) {
            return true;
        }
        String name = hostName(host.strip().toLowerCase(Locale.ROOT));
        return LOOPBACK_NAMES.contains(name) || LOOPBACK_IPV4.matcher(name).matches() || allowedHosts.contains(name);
    }

    /**
     * Whether a request with this {@code Authorization} header (or null) is authorised; a request to a public route
     * ({@code GET /health}) always is.
     */
    public boolean authorised(boolean publicRoute, String authorization) {
        return token == null || publicRoute || token.admits(authorization);
    }

    /** {@code name:port} → {@code name}; {@code [v6]:port} → {@code [v6]}; anything else as it is. */
    private static String hostName(String host) {
        int portAt = host.startsWith("[") ? host.indexOf(']') + 1 : host.indexOf(':');
        if (portAt <= 0 || portAt == host.length()) {
            return host;
        }
        String port = host.substring(portAt);
        return PORT.matcher(port).matches() ? host.substring(0, portAt) : host;
    }

    private static Set<String> lowerCase(Set<String> names) {
        return names.stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
                .collect(Collectors.toUnmodifiableSet());
    }
}
