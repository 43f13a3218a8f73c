package kvstore.client;

/**
 * Reads a Server-Sent Events stream line by line, as the HTML standard's event stream parser does: {@code field:
 * value} lines (one space after the colon dropped), comments from {@code :}, several {@code data} lines joined with
 * {@code \n}, and a blank line ending the event. An event without data is not dispatched; an {@code id} with a NUL
 * in it is ignored; {@code retry} and unknown fields are ignored. One parser per stream, on the stream's thread.
 */
final class SseParser {
    private String id;
    private String type;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;

    /** Feeds one line without its line end; returns the event a blank line completes, else null. */
    SseEvent line(String line) {
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.charAt(0) == ':') {
            return null;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = "";
        if (colon >= 0) {
            int from = colon + 1 < line.length() && line.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1;
            value = line.substring(from);
        }
        switch (field) {
            case "event" -> type = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                }
            }
            default -> {
                // "retry" is the browser's reconnection delay: this client keeps its own backoff
            }
        }
        return null;
    }

    private SseEvent dispatch() {
        SseEvent event = hasData ? new SseEvent(id, type == null || type.isEmpty() ? "message" : type, data.toString())
                : null;
        id = null;
        type = null;
        data.setLength(0);
        hasData = false;
        return event;
    }
}
