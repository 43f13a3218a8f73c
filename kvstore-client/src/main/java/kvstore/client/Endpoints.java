package kvstore.client;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The servers a client may talk to (the members of a cluster, or one server) and the one it prefers now. Calls
 * start at the preferred endpoint and go round the others in order; an endpoint that fails passes the preference
 * on to the next, so later calls do not wait on a member that is down. Any thread may use it.
 */
final class Endpoints {
    private final List<String> bases;
    private final AtomicInteger preferred = new AtomicInteger();

    Endpoints(List<URI> uris) {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no endpoint given");
        }
        this.bases = uris.stream().map(Endpoints::base).toList();
    }

    /** {@code http://host:port} or {@code https://host:port/some/prefix}, without a trailing slash. */
    private static String base(URI uri) {
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http:// or https:// URL with a host: " + uri);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("an endpoint URL has no query or fragment: " + uri);
        }
        String text = uri.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    /** Whether any endpoint is reached over TLS. */
    boolean anyTls() {
        return bases.stream().anyMatch(b -> b.regionMatches(true, 0, "https:", 0, 6));
    }

    int size() {
        return bases.size();
    }

    /** Where a new call starts. */
    int preferred() {
        return preferred.get();
    }

    /** The {@code n}th endpoint to try for a call that started at {@code start}. */
    int nth(int start, int n) {
        return (start + n) % bases.size();
    }

    String base(int index) {
        return bases.get(index);
    }

    /** Endpoint {@code index} failed: prefer the next one, unless another call moved on already. */
    void failed(int index) {
        preferred.compareAndSet(index, (index + 1) % bases.size());
    }
}
