package kvstore.raft;

import kvstore.core.store.Condition;
import kvstore.core.store.Entry;
import kvstore.core.store.Op;
import kvstore.core.store.Store;
import kvstore.core.wal.WalEncoder;
import kvstore.core.wal.WalLines;
import kvstore.core.wal.WalReplay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every use of the {@code wal.log} line format in replication, in one place: the payload of a Raft log
 * entry, and the snapshot files.
 *
 * <p>An entry carries one or more writes, each taken by a member from one HTTP request:
 * <pre>
 * version   (1 byte)              {@link #ENTRY_VERSION}; a member meeting a newer one stops (see KvStateMachine)
 * stamp     (8 bytes, epoch ms)   the leader's clock when it appended the entry: every member applies each of
 *                                 its writes at this instant, their deadlines moved by as much
 * writes    (4 bytes)             how many writes follow
 * per write: length (4), then
 *   timestamp (8 bytes, epoch ms) the clock of the member that took the request (its TTLs count from here)
 *   reads     (4 bytes)           how many gets and checks the batch holds (the log lines carry writes only)
 *   per read: position (4; the top bit set for a check), key length (4), key bytes, and for a check its
 *             condition: 0 and a mod revision (8), 1 and exists (1), or 2, a value's length (4) and its bytes
 *   wal.log lines                 as WalEncoder writes them (a begin/commit frame around several writes)
 * </pre>
 * Entries of members from before checks existed read the same: their positions never have the top bit set.
 * Entries of members from before the version byte (version 0) begin with the stamp, whose first byte is 0 for
 * the next two million years: they read as version 0, so a log kept by such a cluster still replays.
 * A snapshot is the version mark and then one {@code set} line per live key, each with its absolute deadline,
 * so it can be read by {@link WalReplay} like any log, and served as a backup as it is.
 *
 * <p>Thread-safe: it holds no state; each call makes its own encoder.
 */
final class WalCodec {
    /** A write read back from an entry: its operations in order, and the instant they are applied at. */
    record Write(List<Op> ops, long timestampMillis) {
        /** The same write applied at {@code millis}: each deadline moves with it, so every TTL counts from there. */
        Write stampedAt(long millis) {
            long shift = millis - timestampMillis;
            if (shift == 0) {
                return this;
            }
            List<Op> moved = new ArrayList<>(ops.size());
            for (Op op : ops) {
                if (op instanceof Op.Set set && set.deadlineMillis() != Entry.NEVER) {
                    long deadline = set.deadlineMillis();
                    // A far deadline stays short of NEVER rather than wrap around.
                    long at = shift > 0 && deadline > Entry.NEVER - 1 - shift ? Entry.NEVER - 1 : deadline + shift;
                    moved.add(new Op.Set(set.key(), set.value(), at));
                } else {
                    moved.add(op);
                }
            }
            return new Write(moved, millis);
        }
    }

    /** An entry read back: the instant its writes are applied at, and the writes as their members took them. */
    record EntryWrites(long stampMillis, List<Write> writes) {
    }

    /** The entry format this kvstore writes; it reads this one and version 0 (no version byte). */
    static final byte ENTRY_VERSION = 1;
    /** A version-0 entry begins with its stamp: its first byte is 0 for any instant kvstore will see. */
    private static final byte UNVERSIONED = 0;
    private static final int STAMP_BYTES = 8;

    private WalCodec() {
    }

    /** An entry of {@code writes} (each from {@link #encode}), stamped {@code stampMillis} until the leader restamps it. */
    static byte[] encodeEntry(long stampMillis, List<byte[]> writes) {
        int size = 1 + STAMP_BYTES + 4;
        for (byte[] write : writes) {
            size += 4 + write.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(ENTRY_VERSION).putLong(stampMillis).putInt(writes.size());
        for (byte[] write : writes) {
            out.putInt(write.length).put(write);
        }
        return out.array();
    }

    /** A copy of {@code entry} stamped {@code stampMillis}: the only change the leader makes to an entry. */
    static byte[] restamp(byte[] entry, long stampMillis) {
        byte[] stamped = entry.clone();
        ByteBuffer.wrap(stamped).putLong(stampOffset(entry), stampMillis);
        return stamped;
    }

    /** Where the stamp begins: after the version byte, or at 0 in an entry from before it. */
    private static int stampOffset(byte[] entry) {
        return entry.length > 0 && entry[0] == UNVERSIONED ? 0 : 1;
    }

    /**
     * @throws NewerFormatException when the entry was written by a newer kvstore
     * @throws IllegalArgumentException when the entry is not one this codec made
     */
    static EntryWrites decodeEntry(byte[] entry) {
        if (entry.length > 0 && entry[0] != UNVERSIONED && entry[0] != ENTRY_VERSION) {
            throw new NewerFormatException("entry", entry[0] & 0xFF, ENTRY_VERSION);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(entry);
            in.position(stampOffset(entry));
            long stamp = in.getLong();
            int count = in.getInt();
            if (count < 0 || count > entry.length) {
                throw new IllegalArgumentException("bad write count " + count);
            }
            List<Write> writes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] write = new byte[in.getInt()];
                in.get(write);
                writes.add(decode(write));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last write");
            }
            return new EntryWrites(stamp, writes);
        } catch (RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IllegalArgumentException("not a kvstore entry: " + why, e);
        }
    }

    /** A replicated entry or reply written by a newer kvstore than this one: a member must not guess at it. */
    static final class NewerFormatException extends IllegalArgumentException {
        NewerFormatException(String what, int version, int known) {
            super(what + " format version " + version + " is newer than this kvstore's (" + known
                    + "): upgrade this member to the version the others run");
        }
    }

    /** A position of the reads section that holds a check, not a get. */
    private static final int CHECK = 1 << 31;
    private static final byte MOD_REVISION = 0;
    private static final byte EXISTS = 1;
    private static final byte VALUE = 2;

    static byte[] encode(List<Op> ops, long timestampMillis) {
        int reads = 0;
        int readBytes = 0;
        for (Op op : ops) {
            if (!op.isWrite()) {
                reads++;
                readBytes += 8 + op.key().length + (op instanceof Op.Check check ? conditionBytes(check.condition()) : 0);
            }
        }
        byte[] lines = new WalEncoder().encode(ops, timestampMillis);
        ByteBuffer out = ByteBuffer.allocate(12 + readBytes + lines.length);
        out.putLong(timestampMillis).putInt(reads);
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Op.Check check) {
                out.putInt(i | CHECK).putInt(op.key().length).put(op.key());
                putCondition(out, check.condition());
            } else if (!op.isWrite()) {
                out.putInt(i).putInt(op.key().length).put(op.key());
            }
        }
        return out.put(lines).array();
    }

    private static int conditionBytes(Condition condition) {
        if (condition instanceof Condition.ValueEquals value) {
            return 1 + 4 + value.json().length;
        }
        return condition instanceof Condition.Exists ? 2 : 9;
    }

    private static void putCondition(ByteBuffer out, Condition condition) {
        if (condition instanceof Condition.ModRevision mod) {
            out.put(MOD_REVISION).putLong(mod.revision());
        } else if (condition instanceof Condition.Exists exists) {
            out.put(EXISTS).put((byte) (exists.exists() ? 1 : 0));
        } else {
            byte[] json = ((Condition.ValueEquals) condition).json();
            out.put(VALUE).putInt(json.length).put(json);
        }
    }

    private static Condition condition(ByteBuffer in) {
        byte kind = in.get();
        return switch (kind) {
            case MOD_REVISION -> new Condition.ModRevision(in.getLong());
            case EXISTS -> new Condition.Exists(in.get() != 0);
            case VALUE -> {
                byte[] json = new byte[in.getInt()];
                in.get(json);
                yield new Condition.ValueEquals(json);
            }
            default -> throw new IllegalArgumentException("bad condition kind " + kind);
        };
    }

    /** One write of an entry. @throws IllegalArgumentException when it is not a write this codec made */
    static Write decode(byte[] entry) {
        try {
            ByteBuffer in = ByteBuffer.wrap(entry);
            long timestamp = in.getLong();
            int count = in.getInt();
            if (count < 0 || count > entry.length) {
                throw new IllegalArgumentException("bad read count " + count);
            }
            int[] positions = new int[count];
            Op[] reads = new Op[count];
            for (int i = 0; i < count; i++) {
                int position = in.getInt();
                byte[] key = new byte[in.getInt()];
                in.get(key);
                positions[i] = position & ~CHECK;
                reads[i] = (position & CHECK) != 0 ? new Op.Check(key, condition(in)) : new Op.Get(key);
            }
            byte[] lines = new byte[in.remaining()];
            in.get(lines);
            List<Op> writes = WalLines.decode(lines);
            List<Op> ops = new ArrayList<>(writes.size() + count);
            int nextWrite = 0;
            for (int r = 0; r < count; r++) {
                while (ops.size() < positions[r] && nextWrite < writes.size()) {
                    ops.add(writes.get(nextWrite++));
                }
                ops.add(reads[r]);
            }
            ops.addAll(writes.subList(nextWrite, writes.size()));
            return new Write(ops, timestamp);
        } catch (RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new IllegalArgumentException("not a kvstore write: " + why, e);
        }
    }

    /** Loads a snapshot file into {@code store}, which must be empty and not yet read by anyone. */
    static long readSnapshot(Path file, Store store) throws IOException {
        WalReplay.Result result = WalReplay.replay(file, false, unit -> unit.applyTo(store));
        if (result.cutBytes() > 0) {
            // Replay cuts a damaged last line as a torn write; a snapshot has no torn writes, only damage.
            throw new IOException(file + ": snapshot is damaged at byte " + result.bytes());
        }
        return result.records();
    }
}
