package kvstore.core.store;

import kvstore.core.json.JsonEquality;

/**
 * What a {@link Op.Check} requires of its key: a mod revision (0: absent), being live or absent, or holding a value
 * equal as JSON. {@code If-Match} and {@code If-None-Match} are checks too.
 */
public sealed interface Condition {
    /** Whether it holds for a key whose live entry is {@code live} (null: the key is absent). */
    boolean holds(Entry live);

    /**
     * The key's mod revision is {@code revision}; 0 means the key is absent. A negative revision never holds
     * (no key has one): {@code If-Match: "0"} names no live key.
     */
    record ModRevision(long revision) implements Condition {
        @Override
        public boolean holds(Entry live) {
            return live == null ? revision == 0 : live.modRevision() == revision;
        }
    }

    /** The key is live ({@code exists} true) or absent. */
    record Exists(boolean exists) implements Condition {
        @Override
        public boolean holds(Entry live) {
            return (live != null) == exists;
        }
    }

    /** The key holds a value equal to {@code json} as JSON (see {@link JsonEquality}). */
    record ValueEquals(byte[] json) implements Condition {
        @Override
        public boolean holds(Entry live) {
            return live != null && JsonEquality.equal(live.value(), json);
        }
    }
}
