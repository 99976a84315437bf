package dev.outpost.gateway.view;

/** One line of a host's table: a short label (empty for continuation lines) and its text. */
record Row(String label, String text) {

    Row {
        if (label == null || text == null) {
            throw new IllegalArgumentException("label and text must not be null, got " + label + ", " + text);
        }
    }
}
