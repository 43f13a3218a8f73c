package kvstore.core.cluster;

/**
 * A membership or leadership change that was not made, and why. The message is meant for the client; a change
 * refused this way left the membership as it was.
 */
public final class MembershipException extends RuntimeException {
    /** Why a change was refused; the HTTP layer maps each reason to one status. */
    public enum Reason {
        /** The request names a member badly (an id or an address that is not one). */
        INVALID,
        /** No member has that id. */
        UNKNOWN_MEMBER,
        /** The change contradicts the membership (the last member, an id taken by another address, a change already under way). */
        CONFLICT,
        /** No leader could make the change in time (no majority, or the new member did not answer). */
        UNAVAILABLE
    }

    private final Reason reason;

    public MembershipException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
