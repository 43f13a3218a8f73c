package kvstore.raft;

import kvstore.core.store.OpResult;
import kvstore.core.store.Outcome;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply of an applied entry, as it travels back from the leader: a version byte ({@link #VERSION}; 0, its
 * first byte, in a reply from before it, whose count of writes never reaches 2^24), the number of writes, then
 * per write its
 * {@link Outcome}: the revision its answer reflects and one flag byte (set: refused by a check). A refused write
 * follows with the failing check's position, its key's length and bytes, and the key's mod revision; any other
 * with the number of its operations and per operation one flag byte (bit 0: the key existed, bit 1: a value
 * follows) and, for a get that found its key, the value's length and bytes and the key's create revision, mod
 * revision and version.
 */
final class Results {
    static final byte VERSION = 1;
    private static final byte UNVERSIONED = 0;
    private static final int EXISTED = 1;
    private static final int HAS_VALUE = 2;

    private Results() {
    }

    static byte[] encode(List<Outcome> writes) {
        int size = 1 + 4;
        for (Outcome outcome : writes) {
            size += 9;
            if (outcome.isRefused()) {
                size += 16 + outcome.refusal().key().length;
                continue;
            }
            size += 4;
            for (OpResult r : outcome.results()) {
                size += 1 + (r.value() != null ? 4 + r.value().length + 24 : 0);
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(VERSION).putInt(writes.size());
        for (Outcome outcome : writes) {
            out.putLong(outcome.revision()).put((byte) (outcome.isRefused() ? 1 : 0));
            if (outcome.isRefused()) {
                Outcome.Refusal refusal = outcome.refusal();
                out.putInt(refusal.index()).putInt(refusal.key().length).put(refusal.key())
                        .putLong(refusal.modRevision());
                continue;
            }
            out.putInt(outcome.results().size());
            for (OpResult r : outcome.results()) {
                out.put((byte) ((r.existed() ? EXISTED : 0) | (r.value() != null ? HAS_VALUE : 0)));
                if (r.value() != null) {
                    out.putInt(r.value().length).put(r.value())
                            .putLong(r.createRevision()).putLong(r.modRevision()).putLong(r.version());
                }
            }
        }
        return out.array();
    }

    /** @throws WalCodec.NewerFormatException when a newer kvstore wrote the reply */
    static List<Outcome> decode(ByteBuffer in) {
        byte version = in.get(in.position());
        if (version != UNVERSIONED && version != VERSION) {
            throw new WalCodec.NewerFormatException("reply", version & 0xFF, VERSION);
        }
        if (version == VERSION) {
            in.get();
        }
        int n = in.getInt();
        List<Outcome> writes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            writes.add(decodeWrite(in));
        }
        return writes;
    }

    private static Outcome decodeWrite(ByteBuffer in) {
        long revision = in.getLong();
        if (in.get() != 0) {
            int index = in.getInt();
            byte[] key = new byte[in.getInt()];
            in.get(key);
            return Outcome.refused(revision, index, key, in.getLong());
        }
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
        return Outcome.applied(revision, results);
    }
}
