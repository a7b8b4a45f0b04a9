package org.softxent.spark;

import breeze.linalg.DenseVector;
import breeze.optimize.DiffFunction;
import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Function;
import scala.Tuple2;

/**
 * A Breeze {@link DiffFunction} from a Java function. javac cannot compile a class that implements
 * DiffFunction (it inherits {@code apply(T): Double} from Breeze and {@code apply(T): Object} from
 * scala.Function1, which Java source cannot both override), so the instance is made with
 * {@link LambdaMetafactory}, implementing {@code calculate}, the one method Breeze's L-BFGS and its
 * line search call ({@code valueAt}, {@code gradientAt} and Breeze's {@code apply} are defaults that
 * call it). Calling it as a plain scala.Function1 would fail with AbstractMethodError; nothing here
 * does.
 */
final class BreezeFunctions {
    private BreezeFunctions() {
    }

    @SuppressWarnings("unchecked")
    static DiffFunction<DenseVector<Object>> of(Function<DenseVector<Object>, Tuple2<Object, DenseVector<Object>>> calculate) {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle apply = lookup.findVirtual(Function.class, "apply",
                    MethodType.methodType(Object.class, Object.class));
            CallSite site = LambdaMetafactory.metafactory(lookup, "calculate",
                    MethodType.methodType(DiffFunction.class, Function.class),
                    MethodType.methodType(Tuple2.class, Object.class), apply,
                    MethodType.methodType(Tuple2.class, Object.class));
            return (DiffFunction<DenseVector<Object>>) site.getTarget().invoke(calculate);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot make a Breeze DiffFunction: " + e, e);
        }
    }

    /** The values of a Breeze vector of doubles, copied when it is a view. */
    static double[] values(DenseVector<Object> v) {
        double[] data = (double[]) v.data();
        if (v.offset() == 0 && v.stride() == 1 && data.length == v.length()) {
            return data;
        }
        double[] out = new double[v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = data[v.offset() + i * v.stride()];
        }
        return out;
    }
}
