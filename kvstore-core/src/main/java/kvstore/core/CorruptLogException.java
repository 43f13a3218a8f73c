package kvstore.core;

import java.io.IOException;
import java.nio.file.Path;

/** The log is damaged somewhere other than its last line, so replaying it would silently drop data. */
public final class CorruptLogException extends IOException {
    private final Path file;
    private final long line;
    private final long offset;

    public CorruptLogException(Path file, long line, long offset, String reason) {
        super(file + ": line " + line + " (byte offset " + offset + ") is damaged (" + reason
                + ") and is not the last line, so kvstore will not start rather than drop what follows it."
                + " Start with --repair to save a copy of the log as " + file.getFileName()
                + ".broken-<time> and cut the log before that line.");
        this.file = file;
        this.line = line;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    /** The damaged line, counting from 1. */
    public long line() {
        return line;
    }

    /** Byte offset of the damaged line's first byte. */
    public long offset() {
        return offset;
    }
}
