package kvstore.netty.http;

import io.netty.buffer.ByteBufAllocator;

import java.util.function.Consumer;

/**
 * A JSON answer that is a list of items between an opening and a closing (a batch's results, a listing's items
 * with their values), written part by part: part 0 is the opening, parts 1 to {@code items} the items (each but
 * the first after a comma), the last part the closing. Its size is only known by adding up what its items
 * hold, and a client can ask for more than the heap: a batch of gets of one large value, or a listing of every
 * value. So a large one is never built whole: {@link Exchange#ok(JsonList, long)} streams it ({@link JsonStream}).
 *
 * @param items how many items the list has
 * @param open writes the opening
 * @param item writes item {@code i} (from 0)
 * @param close writes the closing
 * @param size about how many bytes the whole answer takes
 */
record JsonList(int items, Consumer<JsonBody> open, Item item, Consumer<JsonBody> close, long size) {

    /** Writes one item of the list. */
    @FunctionalInterface
    interface Item {
        void write(JsonBody json, int i);
    }

    /** How many parts {@link #write} takes: the opening, the items and the closing. */
    int parts() {
        return items + 2;
    }

    /** Appends part {@code part} (from 0) to {@code json}. */
    void write(JsonBody json, int part) {
        if (part == 0) {
            open.accept(json);
        } else if (part <= items) {
            if (part > 1) {
                json.raw(",");
            }
            item.write(json, part - 1);
        } else {
            close.accept(json);
        }
    }

    /** The whole answer in one buffer: for a small one. */
    JsonBody whole(ByteBufAllocator alloc) {
        JsonBody json = new JsonBody(alloc, (int) Math.min(size, Integer.MAX_VALUE - 8));
        for (int part = 0; part < parts(); part++) {
            write(json, part);
        }
        return json;
    }
}
