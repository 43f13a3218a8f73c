package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Listing requests ({@code GET /kv?prefix=&limit=&after=&values=}) and their answers read into {@link Page}s. */
final class Pages {
    /** The server's most keys in one page. */
    static final int MAX_LIMIT = 10_000;

    private Pages() {
    }

    /** Keys starting with {@code prefix}: all of them when {@code limit} is 0, else at most {@code limit} after {@code after}. */
    static Page<String> keys(Transport transport, String prefix, int limit, String after) {
        Answer answer = list(transport, prefix, limit, after, false);
        List<String> keys = new ArrayList<>();
        answer.json.root().path("keys").forEach(k -> keys.add(k.asText()));
        return new Page<>(keys, answer.next(), answer.revision());
    }

    /** Keys with their values and revisions, at most {@code limit} (0: all) after {@code after}. */
    static Page<KeyValue> values(Transport transport, String prefix, int limit, String after) {
        Answer answer = list(transport, prefix, limit, after, true);
        if (!answer.json.root().path("items").isArray()) {
            throw new KvException("the server answered a listing with values=true without its items: it predates "
                    + "listings with values", 200, null, answer.json.root(), null);
        }
        List<KeyValue> items = new ArrayList<>();
        answer.json.root().path("items").forEach(item -> items.add(KeyValue.of(item, answer.json, 0)));
        return new Page<>(items, answer.next(), answer.revision());
    }

    /** The store's revision now, from the smallest listing there is. */
    static long revisionNow(Transport transport) {
        return list(transport, "", 1, null, false).revision();
    }

    private record Answer(AnswerJson json, long header) {
        String next() {
            JsonNode next = json.root().get("next");
            return next == null || next.isNull() ? null : next.asText();
        }

        long revision() {
            JsonNode revision = json.root().get("revision");
            return revision != null && revision.canConvertToLong() ? revision.asLong() : header;
        }
    }

    private static Answer list(Transport transport, String prefix, int limit, String after, boolean values) {
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("a page holds 1 to " + MAX_LIMIT + " keys (0: the whole listing), not "
                    + limit);
        }
        StringBuilder path = new StringBuilder("/kv?prefix=").append(UrlText.encode(prefix == null ? "" : prefix));
        if (limit > 0) {
            path.append("&limit=").append(limit);
        }
        if (after != null) {
            path.append("&after=").append(UrlText.encode(after));
        }
        if (values) {
            path.append("&values=true");
        }
        Call call = Call.read(path.toString());
        HttpReply reply = transport.expectOk(call);
        return new Answer(Answers.parse(call, reply), reply.revisionHeader());
    }
}
