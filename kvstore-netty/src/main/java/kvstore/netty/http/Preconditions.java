package kvstore.netty.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import kvstore.core.store.Condition;
import kvstore.core.store.Op;

import java.util.ArrayList;
import java.util.List;

/**
 * The conditions of a {@code PUT} or {@code DELETE} of one key, from its {@code If-Match} and {@code If-None-Match}
 * headers, as the checks that go before the write in the same unit: the engine decides them with the write, as a
 * batch's checks. {@code If-Match: "<revision>"} holds when the key is live with that mod revision,
 * {@code If-Match: *} when it is live, {@code If-None-Match: *} when it is not.
 */
final class Preconditions {
    /** The error of a malformed {@code If-Match}. */
    static final String BAD_IF_MATCH = "If-Match must be * or one revision in double quotes, like \"42\"";
    /** The error of a malformed {@code If-None-Match}. */
    static final String BAD_IF_NONE_MATCH = "If-None-Match must be *";
    /** The longest revision a header may name: more digits than a revision ever has is malformed. */
    private static final int MAX_DIGITS = 18;

    private Preconditions() {
    }

    /** {@code write} of {@code key}, behind the checks its request's headers ask for (none: the write alone). */
    static List<Op> guard(HttpHeaders headers, byte[] key, Op write) throws BadRequestException {
        List<String> ifMatch = headers.getAll(HttpHeaderNames.IF_MATCH);
        List<String> ifNoneMatch = headers.getAll(HttpHeaderNames.IF_NONE_MATCH);
        if (ifMatch.isEmpty() && ifNoneMatch.isEmpty()) {
            return List.of(write);
        }
        List<Op> ops = new ArrayList<>(3);
        if (!ifMatch.isEmpty()) {
            ops.add(new Op.Check(key, ifMatch(ifMatch)));
        }
        if (!ifNoneMatch.isEmpty()) {
            if (ifNoneMatch.size() != 1 || !ifNoneMatch.get(0).trim().equals("*")) {
                throw new BadRequestException(BAD_IF_NONE_MATCH);
            }
            ops.add(new Op.Check(key, new Condition.Exists(false)));
        }
        ops.add(write);
        return ops;
    }

    private static Condition ifMatch(List<String> values) throws BadRequestException {
        String value = values.size() == 1 ? values.get(0).trim() : "";
        if (value.equals("*")) {
            return new Condition.Exists(true);
        }
        if (value.length() < 3 || value.length() > MAX_DIGITS + 2 || value.charAt(0) != '"'
                || value.charAt(value.length() - 1) != '"') {
            throw new BadRequestException(BAD_IF_MATCH);
        }
        long revision = 0;
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadRequestException(BAD_IF_MATCH);
            }
            revision = revision * 10 + (c - '0');
        }
        // No live key has mod revision 0: "0" is a tag nothing matches (a batch's mod_revision 0 means absent).
        return new Condition.ModRevision(revision == 0 ? -1 : revision);
    }
}
