package org.softxent.spark;

/**
 * Spark's shared params (featuresCol, labelCol, ...) are created by the Scala superclass constructor,
 * which asks {@code uid()} for their parent before a Java subclass can assign its uid field. The uid
 * is therefore handed over through this thread-local while the superclass constructor runs.
 */
final class Uids {
    private static final ThreadLocal<String> CONSTRUCTING = new ThreadLocal<>();

    private Uids() {
    }

    static String enter(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("uid must be a non-empty string");
        }
        CONSTRUCTING.set(uid);
        return uid;
    }

    static String constructing() {
        return CONSTRUCTING.get();
    }

    static void leave() {
        CONSTRUCTING.remove();
    }
}
