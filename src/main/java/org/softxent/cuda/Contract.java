package org.softxent.cuda;

/**
 * The host's half of the contract section of cuda/softxent.cu: the row kernels' operations, the
 * reductions, and the Status block every call's kernels report into. ContractTest reads the CUDA
 * source and checks each constant and field here against it.
 */
final class Contract {
    static final int OP_SOFTMAX = 0;
    static final int OP_LOG_SOFTMAX = 1;
    static final int OP_CE_LABELS = 2;
    static final int OP_CE_TARGETS = 3;

    static final int REDUCE_NONE = 0;
    static final int REDUCE_SUM = 1;
    static final int REDUCE_MEAN = 2;

    /** How many inputs of one call a Status block tells apart. */
    static final int OPERANDS = 8;

    /**
     * The Status struct's fields and their byte offsets (C layout): {@code bad} (bit k: operand k
     * held a bad value), {@code first[k]} (~ the flat index of operand k's first bad value; 0:
     * none), the call's loss, the mean's divisor, the extra term added to the loss, the gradient's
     * scale, and the last-block ticket.
     */
    static final int STATUS_BAD = 0;
    static final int STATUS_FIRST = 8;
    static final int STATUS_LOSS = STATUS_FIRST + 8 * OPERANDS;
    static final int STATUS_DIVISOR = STATUS_LOSS + 8;
    static final int STATUS_EXTRA = STATUS_DIVISOR + 8;
    static final int STATUS_SCALE = STATUS_EXTRA + 8;
    static final int STATUS_TICKET = STATUS_SCALE + 4;
    /** sizeof(Status). */
    static final int STATUS_SIZE = STATUS_TICKET + 4;

    private Contract() {
    }
}
