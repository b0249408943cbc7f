package org.neox.comm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LocalCommunicatorTest extends CommunicatorContract {
    @Override
    List<Communicator> group(int n) {
        return LocalCommunicator.create(n);
    }

    @Test
    void aRankThatNeverArrivesFailsTheOthersAtTheDeadline() throws Exception {
        List<Communicator> g = LocalCommunicator.create(2, 200);
        CommException e = assertThrows(CommException.class, () -> RankThreads.run(g, c -> {
            if (c.rank() == 0) {
                c.barrier();
            }
        }));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }

    @Test
    void recvWithoutASenderTimesOutNamingThePeer() {
        Communicator c = LocalCommunicator.create(2, 100).get(1);
        CommException e = assertThrows(CommException.class, () -> c.recv(new float[1], 0, 1, 0));
        assertTrue(e.getMessage().contains("from rank 0"), e.getMessage());
    }
}
