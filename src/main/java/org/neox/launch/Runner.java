package org.neox.launch;

/** How node agents are started: as a child process on this host, or over OpenSSH. */
public enum Runner {
    LOCAL, SSH
}
