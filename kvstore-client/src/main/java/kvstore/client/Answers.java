package kvstore.client;

import java.io.IOException;

/** A successful answer's body read as JSON; an answer that is not JSON (a proxy's page) is the server's failure. */
final class Answers {
    private Answers() {
    }

    static AnswerJson parse(Call call, HttpReply reply) {
        try {
            return AnswerJson.parse(reply.body());
        } catch (IOException e) {
            throw new KvException("the answer to " + call.describe() + " from " + reply.endpoint()
                    + " is not JSON: " + e.getMessage(), reply.status(), null, null, e);
        }
    }
}
