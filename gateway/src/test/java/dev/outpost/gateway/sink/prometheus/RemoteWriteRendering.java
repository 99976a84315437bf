package dev.outpost.gateway.sink.prometheus;

import dev.outpost.gateway.ingest.StampedBatch;
import dev.outpost.gateway.sink.Delivery;
import java.util.List;

/** The remote write sink's translation of one batch, for the fuzz tests of the OTLP body path. */
public final class RemoteWriteRendering {
    /** What one batch became: its encoded series (one sample each) and the data points refused. */
    public record Result(List<byte[]> series, int refusedPoints) {
    }

    private RemoteWriteRendering() {
    }

    /** The most bytes of series a batch of {@code decodedBytes} may become. */
    public static long budget(int decodedBytes) {
        return RemoteWriteTranslator.budget(decodedBytes);
    }

    /** The series the sink would send for {@code batch}, with the default {@code resource_labels}. */
    public static Result translate(StampedBatch batch) {
        Units units = new Units();
        Delivery delivery = Delivery.of(1);
        new RemoteWriteTranslator(dev.outpost.gateway.config.PrometheusRemoteWriteConfig.DEFAULT_RESOURCE_LABELS)
                .translate(batch, 0, units, delivery);
        return new Result(units.series, delivery.refusedPoints(0));
    }
}
