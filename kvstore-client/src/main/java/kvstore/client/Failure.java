package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a failed call carries into its exception: the message, the server's status, error text and body (when it
 * answered) and the cause (when it did not). One record, so every exception class has one constructor.
 */
record Failure(String message, int status, String serverError, JsonNode body, Throwable cause) {
    /** A failure with no answer from the server. */
    static Failure unanswered(String message, Throwable cause) {
        return new Failure(message, 0, null, null, cause);
    }
}
