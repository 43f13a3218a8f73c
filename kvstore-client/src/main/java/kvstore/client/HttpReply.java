package kvstore.client;

import java.net.http.HttpHeaders;

/** The server's answer to one attempt of a call: where it came from, its status, headers and body. */
record HttpReply(String endpoint, int status, HttpHeaders headers, byte[] body) {
    boolean ok() {
        return status / 100 == 2;
    }

    /** The {@code X-Kvstore-Revision} header: the store revision this answer reflects, or 0 without one. */
    long revisionHeader() {
        return headers.firstValueAsLong("X-Kvstore-Revision").orElse(0);
    }
}
