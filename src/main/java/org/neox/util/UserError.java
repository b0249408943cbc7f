package org.neox.util;

/**
 * Bad input from the user (a config, hostfile, data file or checkpoint): the message is one
 * line naming the file/key/line, the value and what was expected. The CLI prints it without a
 * stack trace and exits with code 2.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
