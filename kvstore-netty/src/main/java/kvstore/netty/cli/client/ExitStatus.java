package kvstore.netty.cli.client;

import kvstore.client.BadRequestException;
import kvstore.client.KvException;
import kvstore.client.NotFoundException;
import kvstore.client.OutcomeUnknownException;
import kvstore.client.PreconditionFailedException;
import kvstore.client.UnavailableException;

import java.util.LinkedHashMap;
import java.util.Map;

/** The exit statuses of the client subcommands, and the one place a failure picks its status. */
final class ExitStatus {
    static final int OK = 0;
    static final int NOT_FOUND = 1;
    /** A bad option or argument, a value that is not JSON, an unreadable input file, or the server's 400. */
    static final int USAGE = 2;
    static final int PRECONDITION_FAILED = 3;
    /** The server refused or failed the request (401, 403, 409, 413, 410, 5xx...), or an output file failed. */
    static final int FAILED = 4;
    /** No endpoint could be reached, or each answered 503: nothing was done. */
    static final int UNAVAILABLE = 5;
    /** A write may or may not have been applied (lost connection or "outcome unknown"). */
    static final int OUTCOME_UNKNOWN = 6;

    /** The list {@code --help} shows, status to meaning. */
    static final Map<String, String> HELP = help(
        "0", "ok", "1", "not found", "2", "usage: bad option or argument, value not JSON, or the server's 400",
        "3", "precondition failed (a conditional write or a batch check)",
        "4", "the server refused or failed the request, or a local file could not be written",
        "5", "no endpoint reachable, or every one answered 503: nothing was done",
        "6", "outcome unknown: a write may or may not have been applied");

    private static Map<String, String> help(String... pairs) {
        Map<String, String> help = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            help.put(pairs[i], pairs[i + 1]);
        }
        return help;
    }

    private ExitStatus() {
    }

    static int of(KvException e) {
        if (e instanceof NotFoundException) {
            return NOT_FOUND;
        }
        if (e instanceof PreconditionFailedException) {
            return PRECONDITION_FAILED;
        }
        if (e instanceof BadRequestException) {
            return USAGE;
        }
        if (e instanceof OutcomeUnknownException) {
            return OUTCOME_UNKNOWN;
        }
        if (e instanceof UnavailableException) {
            return UNAVAILABLE;
        }
        return FAILED;
    }
}
