package kvstore.raft;

import kvstore.core.store.OpResult;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply of an applied entry, as it travels back from the leader: the number of writes, then per write the
 * number of its operations and per operation one flag byte (bit 0: the key existed, bit 1: a value follows)
 * and, for a get that found its key, the value's length and bytes and the key's create revision, mod revision
 * and version.
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
                size += 1 + (r.value() != null ? 4 + r.value().length + 24 : 0);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).putInt(writes.size());
        for (List<OpResult> results : writes) {
            out.putInt(results.size());
            for (OpResult r : results) {
                out.put((byte) ((r.existed() ? EXISTED : 0) | (r.value() != null ? HAS_VALUE : 0)));
                if (r.value() != null) {
                    out.putInt(r.value().length).put(r.value())
                            .putLong(r.createRevision()).putLong(r.modRevision()).putLong(r.version());
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
            if ((flags & HAS_VALUE) != 0) {
                byte[] value = new byte[in.getInt()];
                in.get(value);
                results.add(new OpResult(true, value, in.getLong(), in.getLong(), in.getLong()));
            } else {
                results.add(new OpResult((flags & EXISTED) != 0, null, 0, 0, 0));
            }
        }
        return results;
    }
}
