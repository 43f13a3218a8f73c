package kvstore.core;

import kvstore.core.store.Entry;
import kvstore.core.store.Store;

import java.util.List;

/**
 * One page of a listing with values: its live entries in unsigned UTF-8 key order, exactly as they stood at
 * {@code revision}, and {@code next}, the last key, when more matching keys follow (null when this page ends the
 * listing).
 */
public record EntryPage(List<Entry> entries, byte[] next, long revision) {
    /** The page of at most {@code limit} entries out of {@code listing}, fetched {@link Page#fetchSize} long. */
    public static EntryPage of(Store.Listing listing, int limit) {
        List<Entry> entries = listing.entries();
        if (entries.size() <= limit) {
            return new EntryPage(entries, null, listing.revision());
        }
        List<Entry> page = entries.subList(0, limit);
        return new EntryPage(page, page.get(limit - 1).key(), listing.revision());
    }
}
