/**
 * tfjs-core alone registers neither gradients nor chained ops (x.add(y)); the union package's
 * Node bundle does both, into the registries that tfjs-core shares globally. Import this module
 * (for its side effect) anywhere gradients are taken. Loading it costs about 0.3 s once.
 */
import '@tensorflow/tfjs';
