package kvstore.netty.http;

/** Input that gets a {@code 400}; {@code index} is the first bad operation of a batch, or -1. */
final class BadRequestException extends Exception {
    private final int index;

    BadRequestException(String message) {
        this(message, -1);
    }

    BadRequestException(String message, int index) {
        super(message, null, false, false);
        this.index = index;
    }

    int index() {
        return index;
    }
}
