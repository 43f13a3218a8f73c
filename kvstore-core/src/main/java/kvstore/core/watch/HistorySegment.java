package kvstore.core.watch;

import kvstore.core.store.Change;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * {@link History#SEGMENT} changes from {@code base} on, kept as bytes in one array rather than as objects. The
 * history holds many thousands of changes for a while; as objects (a record and its value each) every young
 * collection copied them one by one until they were promoted, and writes' tail latency grew with the history.
 * One array is copied in one move. A value longer than {@link #INLINE_VALUE} bytes is kept by reference instead,
 * so that a few large values do not make the array large.
 *
 * <p>Threads: the history's one writer appends; readers read only the changes before the history's {@code end},
 * which the writer moves (a volatile write) after appending them, so what it wrote before is visible to them.
 * {@code data} is volatile because the writer replaces it by a copy (larger, or trimmed when the segment is full)
 * while readers read it.
 */
final class HistorySegment {
    static final int INLINE_VALUE = 4096;

    /*
     * One change: type (1 byte: the ordinal), revision, createRevision, version, deadlineMillis (8 bytes each),
     * the key's length (4) and bytes, the value's length (4) and bytes. The value's length is NO_VALUE for a change
     * without one and BY_REFERENCE for a value held in large[slot].
     */
    private static final int REVISION = 1;
    private static final int CREATE_REVISION = 9;
    private static final int VERSION = 17;
    private static final int DEADLINE = 25;
    private static final int KEY_LENGTH = 33;
    private static final int KEY = 37;
    private static final int NO_VALUE = -1;
    private static final int BY_REFERENCE = -2;
    private static final int MIN_CAPACITY = 1024;
    private static final Change.Type[] TYPES = Change.Type.values();
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final long base;
    private volatile byte[] data;
    /** Where each change starts in {@code data}. */
    private final int[] offsets = new int[History.SEGMENT];
    /** Writer only: where the next change goes. */
    private int used;
    /** The values kept by reference, by slot; made for the first of them. */
    private byte[][] large;
    /** Each change as an event, encoded by the first reader that needs it and shared by the others. */
    private final AtomicReferenceArray<byte[]> events = new AtomicReferenceArray<>(History.SEGMENT);
    volatile HistorySegment next;

    /**
     * A segment from {@code base} on whose array starts at {@code capacity} bytes: the size of the segment before
     * it, so that a steady stream of changes fills it without growing or trimming it.
     */
    HistorySegment(long base, int capacity) {
        this.base = base;
        this.data = new byte[capacity];
    }

    /** Writer: puts {@code change} in {@code slot}, the one after the last appended. */
    void append(int slot, Change change) {
        byte[] key = change.key();
        byte[] value = change.value();
        boolean inline = value == null || value.length <= INLINE_VALUE;
        int length = KEY + key.length + 4 + (inline && value != null ? value.length : 0);
        byte[] d = room(length);
        int at = used;
        d[at] = (byte) change.type().ordinal();
        LONG.set(d, at + REVISION, change.revision());
        LONG.set(d, at + CREATE_REVISION, change.createRevision());
        LONG.set(d, at + VERSION, change.version());
        LONG.set(d, at + DEADLINE, change.deadlineMillis());
        INT.set(d, at + KEY_LENGTH, key.length);
        System.arraycopy(key, 0, d, at + KEY, key.length);
        int valueAt = at + KEY + key.length;
        if (value == null) {
            INT.set(d, valueAt, NO_VALUE);
        } else if (inline) {
            INT.set(d, valueAt, value.length);
            System.arraycopy(value, 0, d, valueAt + 4, value.length);
        } else {
            INT.set(d, valueAt, BY_REFERENCE);
            if (large == null) {
                large = new byte[History.SEGMENT][];
            }
            large[slot] = value;
        }
        offsets[slot] = at;
        used = at + length;
    }

    /** Writer: the segment is full; gives back the room its array kept for more, when that is much. */
    void seal() {
        if (data.length - used > used / 4) {
            data = Arrays.copyOf(data, used);
        }
    }

    /** Writer: the bytes the changes appended so far take. */
    int used() {
        return used;
    }

    /** Writer: the array with room for {@code length} more bytes, grown (and published) when it had not. */
    private byte[] room(int length) {
        byte[] d = data;
        if (d.length - used >= length) {
            return d;
        }
        int capacity = Math.max(d.length, MIN_CAPACITY);
        while (capacity - used < length) {
            capacity = Math.multiplyExact(capacity, 2);
        }
        data = d = Arrays.copyOf(d, capacity);
        return d;
    }

    long revision(int slot) {
        return (long) LONG.get(data, offsets[slot] + REVISION);
    }

    /** Whether the change in {@code slot} is of a key {@code keys} covers; makes nothing. */
    boolean isFor(int slot, WatchedKeys keys) {
        byte[] d = data;
        int at = offsets[slot];
        return keys.matches(d, at + KEY, at + KEY + (int) INT.get(d, at + KEY_LENGTH));
    }

    /** The change in {@code slot}, made anew. */
    Change change(int slot) {
        byte[] d = data;
        int at = offsets[slot];
        int keyEnd = at + KEY + (int) INT.get(d, at + KEY_LENGTH);
        int valueLength = (int) INT.get(d, keyEnd);
        byte[] value = switch (valueLength) {
            case NO_VALUE -> null;
            case BY_REFERENCE -> large[slot];
            default -> Arrays.copyOfRange(d, keyEnd + 4, keyEnd + 4 + valueLength);
        };
        return new Change(TYPES[d[at]], Arrays.copyOfRange(d, at + KEY, keyEnd), value,
                (long) LONG.get(d, at + REVISION), (long) LONG.get(d, at + CREATE_REVISION),
                (long) LONG.get(d, at + VERSION), (long) LONG.get(d, at + DEADLINE));
    }

    /** The change in {@code slot} as an event, made by {@code encode} once for every reader. */
    byte[] event(int slot, Function<Change, byte[]> encode) {
        byte[] event = events.get(slot);
        if (event == null) {
            event = encode.apply(change(slot));
            events.set(slot, event);
        }
        return event;
    }
}
