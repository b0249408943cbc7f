package org.neox.comm;

/** A communication failure: a peer died, timed out, or called a different collective. */
public class CommException extends RuntimeException {
    public CommException(String message) {
        super(message);
    }

    public CommException(String message, Throwable cause) {
        super(message, cause);
    }
}
