package kvstore.core.wal;

import kvstore.core.store.Op;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads back, from memory, the lines {@link WalEncoder#encode} made for one write: the replicated log
 * carries each write in the {@code wal.log} line format and every member decodes it with this.
 */
public final class WalLines {
    private WalLines() {
    }

    /**
     * The writes in {@code lines}, in order: one single write, or the writes of one whole batch.
     *
     * @throws IllegalArgumentException when a line is damaged or a batch frame does not match its writes
     */
    public static List<Op> decode(byte[] lines) {
        CRC32C crc = new CRC32C();
        List<Op> ops = new ArrayList<>();
        int framed = -1;
        int start = 0;
        while (start < lines.length) {
            int end = start;
            while (end < lines.length && lines[end] != '\n') {
                end++;
            }
            WalDecoder.Line line;
            try {
                line = WalDecoder.parse(lines, start, end - start, crc);
            } catch (WalDecoder.BadLineException e) {
                throw new IllegalArgumentException("damaged write at byte " + start + ": " + e.getMessage());
            }
            switch (line.kind()) {
                case WRITE -> {
                    if (line.op() instanceof Op.Expire) {
                        throw new IllegalArgumentException("an expiry inside a write");
                    }
                    ops.add(line.op());
                }
                case BEGIN -> framed = line.number();
                case COMMIT -> {
                    if (line.number() != framed || ops.size() != framed) {
                        throw new IllegalArgumentException("batch commit does not match its writes");
                    }
                }
                case VERSION -> throw new IllegalArgumentException("a version mark inside a write");
            }
            start = end + 1;
        }
        return ops;
    }
}
