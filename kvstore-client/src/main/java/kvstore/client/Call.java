package kvstore.client;

import java.util.Map;

/**
 * One request as the client means it, before it is sent to an endpoint: the method, the path with its query,
 * the body (null for none), extra headers, and how it may be sent again when an attempt's outcome is unknown.
 */
record Call(String method, String path, byte[] body, Map<String, String> headers, Resend resend) {
    /**
     * Whether a call may go to the next endpoint after an attempt that may have reached the server. Every call may
     * go on after an attempt that surely did not (the connection was refused, the server said nothing was written).
     */
    enum Resend {
        /** A read: it changes nothing, so it is sent again wherever and whenever. */
        ALWAYS,
        /**
         * A conditional write: it can be applied at most once, so it is sent again; but a {@code 412} after an
         * attempt of unknown outcome may be the first attempt's own doing, so it is reported as unknown.
         */
        CONDITIONAL,
        /** A write that could be applied twice: never sent again once it may have reached the server. */
        NEVER
    }

    static Call read(String path) {
        return new Call("GET", path, null, Map.of(), Resend.ALWAYS);
    }

    /**
     * A PUT, DELETE or POST: conditional when {@code headers} make it apply at most once, with {@code If-Match} on a
     * revision (which the write itself changes) or {@code If-None-Match: *}. {@code If-Match: *} (only while the key
     * exists) holds again after the write, so a write on that condition alone is not.
     */
    static Call write(String method, String path, byte[] body, Map<String, String> headers) {
        String ifMatch = headers.get("If-Match");
        boolean conditional = ifMatch != null && !ifMatch.equals("*") || headers.containsKey("If-None-Match");
        return new Call(method, path, body, headers, conditional ? Resend.CONDITIONAL : Resend.NEVER);
    }

    /** What to call this request in a message: {@code PUT /kv/a}. */
    String describe() {
        return method + " " + path;
    }
}
