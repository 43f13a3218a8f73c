package kvstore.client;

/**
 * One Server-Sent Event: its {@code id} (null when it had none), its type ({@code "message"} when it named none)
 * and its data lines joined with {@code \n}.
 */
record SseEvent(String id, String type, String data) {
}
