package kvstore.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The one place an answer that is not a success becomes a typed exception carrying the server's error text. */
final class Failures {
    private Failures() {
    }

    /** The exception for {@code reply}, an answer of {@code call} that is not a success. */
    static KvException of(Call call, HttpReply reply) {
        JsonNode body = errorBody(reply.body());
        String error = body != null && body.hasNonNull("error") ? body.get("error").asText() : null;
        String said = error != null ? error : new String(reply.body(), StandardCharsets.UTF_8).strip();
        String message = (said.isEmpty() ? "HTTP " + reply.status() : said)
                + " (" + reply.status() + " from " + reply.endpoint() + ", " + call.describe() + ")";
        Failure failure = new Failure(message, reply.status(), error, body, null);
        return switch (reply.status()) {
            case 400 -> new BadRequestException(failure);
            case 401, 403 -> new UnauthorizedException(failure);
            case 404 -> new NotFoundException(failure);
            case 409 -> new ConflictException(failure);
            case 412 -> new PreconditionFailedException(failure);
            case 503 -> new UnavailableException(failure);
            default -> new KvException(failure);
        };
    }

    /** The failure of a write that may have been applied, after {@code cause} (an exception or the server's 503). */
    static OutcomeUnknownException outcomeUnknown(Call call, String endpoint, String why, KvException answered,
                                                  Throwable cause) {
        String message = "outcome unknown: " + call.describe() + " at " + endpoint + " may have been applied ("
                + why + "); it was not sent again";
        if (answered != null) {
            return new OutcomeUnknownException(new Failure(message, answered.status(), answered.serverError(),
                    answered.body(), answered));
        }
        return new OutcomeUnknownException(Failure.unanswered(message, cause));
    }

    /** The JSON error body, or null when the body is not JSON (a proxy's HTML page, an empty body). */
    private static JsonNode errorBody(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
