package kvstore.client;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A listing read page by page as it is iterated: each page is one request ({@code limit} and {@code after}), made
 * only when the iteration reaches it, so a prefix of a million keys never sits in memory at once. Every
 * {@link #iterator()} (and {@link #stream()}) starts a new scan from the first key.
 *
 * <p>Each page reflects its own revision: a key written during a scan shows in a later page if it sorts after
 * the scan's position. To follow a prefix with a watch, watch from {@link #revision()} + 1 (the first page's
 * revision): no change is missed, and a change a later page already showed may come again as an event, with a
 * {@code mod_revision} that tells it apart.
 *
 * @param <T> {@code String} for keys, {@link KeyValue} for a listing with values
 */
public final class Listing<T> implements Iterable<T> {
    private final Function<String, Page<T>> pages;
    private volatile long revision;

    /** {@code pages} fetches the page after a key (null: the first page). */
    Listing(Function<String, Page<T>> pages) {
        this.pages = pages;
    }

    /** The revision of the first page of the latest scan; 0 before a scan has fetched one. */
    public long revision() {
        return revision;
    }

    /** A sequential stream over the whole listing, fetching pages as it goes. */
    public Stream<T> stream() {
        return StreamSupport.stream(spliterator(), false);
    }

    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private Page<T> page = first();
            private int at;

            @Override
            public boolean hasNext() {
                while (at == page.items().size() && page.hasMore()) {
                    page = pages.apply(page.next());
                    at = 0;
                }
                return at < page.items().size();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.items().get(at++);
            }
        };
    }

    private Page<T> first() {
        Page<T> page = pages.apply(null);
        revision = page.revision();
        return page;
    }
}
