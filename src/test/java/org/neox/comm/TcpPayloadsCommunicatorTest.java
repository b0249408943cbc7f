package org.neox.comm;

import java.util.List;

/** The TCP communicator with shared memory off: every payload travels over the connections. */
class TcpPayloadsCommunicatorTest extends CommunicatorContract {
    @Override
    List<Communicator> group(int n) throws Exception {
        return TcpCommunicatorTest.join(n, FreePort.find(), TcpCommunicatorTest.SECRET,
                TcpCommunicatorTest.OPTIONS.withSharedMemory(false));
    }
}
