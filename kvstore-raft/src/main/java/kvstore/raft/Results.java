package kvstore.raft;

import kvstore.core.store.OpResult;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply of an applied entry, as it travels back from the leader: the number of writes, then per write the
 * number of its operations and per operation one flag byte (bit 0: the key existed, bit 1: a value follows)
 * and, for a get that found its key, the value's length and bytes.
 */
final class Results {
    private static final int EXISTED = 1;
    private static final int HAS_VALUE = 2;

    private Results() {
    }

    static byte[] encode(List<List<OpResult>> writes) {
        int size = 4;
        for (List<OpResult> results : writes) {
            size += 4;
            for (OpResult r : results) {
                size += 1 + (r.value() != null ? 4 + r.value().length : 0);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(writes.size());
        for (List<OpResult> results : writes) {
            out.putInt(results.size());
            for (OpResult r : results) {
                out.put((byte) ((r.existed() ? EXISTED : 0) | (r.value() != null ? HAS_VALUE : 0)));
                if (r.value() != null) {
                    out.putInt(r.value().length).put(r.value());
                }
            }
        }
        return out.array();
    }

    static List<List<OpResult>> decode(ByteBuffer in) {
        int n = in.getInt();
        List<List<OpResult>> writes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            writes.add(decodeWrite(in));
        }
        return writes;
    }

    private static List<OpResult> decodeWrite(ByteBuffer in) {
        int n = in.getInt();
        List<OpResult> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int flags = in.get();
            byte[] value = null;
            if ((flags & HAS_VALUE) != 0) {
                value = new byte[in.getInt()];
                in.get(value);
            }
            results.add(new OpResult((flags & EXISTED) != 0, value));
        }
        return results;
    }
}
