package kvstore.client;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Map;

/**
 * Sends calls to the endpoints, and decides when a call may go on to the next one: the failure policy of the
 * client, written down here once.
 *
 * <ul>
 *   <li>A connection that could not be made (refused, unreachable, no such host, a TLS handshake that failed)
 *       carried nothing: any call goes on to the next endpoint.</li>
 *   <li>A {@code 503} goes on to the next endpoint too. For a write it means nothing was written only when the
 *       server says so ({@code "no quorum"}, or a shutdown that wrote nothing); any other 503 on a write, a lost
 *       connection or a timeout after sending may have applied it: a write that could be applied twice
 *       ({@link Call.Resend#NEVER}) then fails with {@link OutcomeUnknownException} at once.</li>
 *   <li>When every endpoint was tried, the call fails with {@link UnavailableException}.</li>
 * </ul>
 * Thread-safe: the JDK's HttpClient and {@link Endpoints} are.
 */
final class Transport {
    /** The 503 texts that say a write was not written, and never will be (the contract's "no quorum"). */
    private static final String NO_QUORUM = "no quorum";
    private static final String NOTHING_WRITTEN = "nothing was written";

    private final HttpClient http;
    private final Endpoints endpoints;
    private final String authorization;
    private final Duration requestTimeout;

    Transport(HttpClient http, Endpoints endpoints, String token, Duration requestTimeout) {
        this.http = http;
        this.endpoints = endpoints;
        this.authorization = token == null ? null : "Bearer " + token;
        this.requestTimeout = requestTimeout;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    /** Sends {@code call} and returns its successful answer; any other answer is thrown as its typed exception. */
    HttpReply expectOk(Call call) {
        HttpReply reply = send(call);
        if (!reply.ok()) {
            throw Failures.of(call, reply);
        }
        return reply;
    }

    /** Sends {@code call} to one endpoint after another until one answers something other than {@code 503}. */
    HttpReply send(Call call) {
        int start = endpoints.preferred();
        KvException last = null;
        String unknownAt = null;
        for (int n = 0; n < endpoints.size(); n++) {
            int at = endpoints.nth(start, n);
            String base = endpoints.base(at);
            HttpReply reply;
            try {
                reply = attempt(base, call);
            } catch (IOException e) {
                endpoints.failed(at);
                if (!neverSent(e)) {
                    if (call.resend() == Call.Resend.NEVER) {
                        throw Failures.outcomeUnknown(call, base, describe(e), null, e);
                    }
                    unknownAt = call.resend() == Call.Resend.CONDITIONAL ? base : unknownAt;
                }
                last = new UnavailableException(Failure.unanswered(base + ": " + describe(e), e));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (call.resend() == Call.Resend.ALWAYS) {
                    throw new KvException(Failure.unanswered("interrupted: " + call.describe(), e));
                }
                throw Failures.outcomeUnknown(call, base, "interrupted while waiting for the answer", null, e);
            }
            if (reply.status() == 503) {
                endpoints.failed(at);
                KvException refused = Failures.of(call, reply);
                if (call.resend() != Call.Resend.ALWAYS && !saysNothingWritten(refused.serverError())) {
                    if (call.resend() == Call.Resend.NEVER) {
                        throw Failures.outcomeUnknown(call, base, refused.serverError(), refused, null);
                    }
                    unknownAt = base;
                }
                last = refused;
                continue;
            }
            if (reply.status() == 412 && unknownAt != null) {
                throw Failures.outcomeUnknown(call, unknownAt, "an attempt was lost, and the next one found the "
                        + "condition false, which the lost attempt may have done", Failures.of(call, reply), null);
            }
            return reply;
        }
        throw unavailable(call, last);
    }

    /**
     * Sends a read whose answer is a stream (a backup), to one endpoint after another as {@link #send} does, and
     * returns the body of the first {@code 200}; any other answer is thrown as its typed exception.
     */
    InputStream openRead(Call call) {
        int start = endpoints.preferred();
        KvException last = null;
        for (int n = 0; n < endpoints.size(); n++) {
            int at = endpoints.nth(start, n);
            String base = endpoints.base(at);
            try {
                HttpResponse<InputStream> response = open(base, call, Map.of());
                if (response.statusCode() == 200) {
                    return response.body();
                }
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readAllBytes();
                }
                KvException refused = Failures.of(call, new HttpReply(base, response.statusCode(), response.headers(), body));
                if (response.statusCode() != 503) {
                    throw refused;
                }
                last = refused;
            } catch (IOException e) {
                last = new UnavailableException(Failure.unanswered(base + ": " + describe(e), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvException(Failure.unanswered("interrupted: " + call.describe(), e));
            }
            endpoints.failed(at);
        }
        throw unavailable(call, last);
    }

    private static UnavailableException unavailable(Call call, KvException last) {
        String why = last == null ? "no endpoint" : last.getMessage();
        return new UnavailableException(new Failure("no endpoint could serve " + call.describe() + ": " + why,
                last == null ? 0 : last.status(), last == null ? null : last.serverError(),
                last == null ? null : last.body(), last));
    }

    private HttpReply attempt(String base, Call call) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request(base, call, Map.of()), HttpResponse.BodyHandlers.ofByteArray());
        return new HttpReply(base, response.statusCode(), response.headers(), response.body());
    }

    /** One attempt of {@code call} at endpoint {@code base}, its body left to stream (watches, backups). */
    HttpResponse<InputStream> open(String base, Call call, Map<String, String> headers)
            throws IOException, InterruptedException {
        return http.send(request(base, call, headers), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpRequest request(String base, Call call, Map<String, String> extra) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + call.path())).timeout(requestTimeout);
        if (call.body() != null) {
            request.header("Content-Type", "application/json")
                    .method(call.method(), HttpRequest.BodyPublishers.ofByteArray(call.body()));
        } else {
            request.method(call.method(), HttpRequest.BodyPublishers.noBody());
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        call.headers().forEach(request::header);
        extra.forEach(request::header);
        return request.build();
    }

    /** Whether the attempt failed before any byte of the request could reach the server. */
    static boolean neverSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof NoRouteToHostException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException || t instanceof SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a 503's error text says the write was not written and never will be. */
    static boolean saysNothingWritten(String error) {
        return error != null && (error.equals(NO_QUORUM) || error.endsWith(NOTHING_WRITTEN));
    }

    /** An I/O failure in a few words: the JDK leaves some messages out ({@code ConnectException} often). */
    static String describe(Throwable e) {
        if (e instanceof ConnectException && e.getMessage() == null) {
            return "connection refused";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS handshake failed: " + deepestMessage(t)
                        + (t instanceof SSLHandshakeException ? " (is the server's certificate, or its CA, trusted?)" : "");
            }
        }
        return deepestMessage(e);
    }

    /** The message of the innermost cause that has one: the JDK wraps the telling one in class names. */
    private static String deepestMessage(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isEmpty()) {
                message = t.getMessage();
            }
        }
        return message != null ? message : e.getClass().getSimpleName();
    }
}
