package kvstore.core.watch;

import java.util.Arrays;

/**
 * The keys a watcher is told about: every key that starts with a prefix (the empty prefix: all keys), or one key.
 *
 * @param bytes the prefix or the key, as UTF-8 bytes
 * @param exact whether {@code bytes} is a whole key rather than a prefix
 */
public record WatchedKeys(byte[] bytes, boolean exact) {
    /** Every key that starts with {@code prefix}. */
    public static WatchedKeys prefix(byte[] prefix) {
        return new WatchedKeys(prefix, false);
    }

    /** The key {@code key} only. */
    public static WatchedKeys key(byte[] key) {
        return new WatchedKeys(key, true);
    }

    /** Whether a change of the key held in {@code text} from {@code from} to {@code to} is for this watcher. */
    public boolean matches(byte[] text, int from, int to) {
        if (exact) {
            return Arrays.equals(text, from, to, bytes, 0, bytes.length);
        }
        return to - from >= bytes.length && Arrays.equals(text, from, from + bytes.length, bytes, 0, bytes.length);
    }
}
