package org.neox.launch;

/**
 * How node agents are started: as a child process on this host, over OpenSSH (one client per
 * node), or by one pdsh for all nodes.
 */
public enum Runner {
    LOCAL, SSH, PDSH
}
