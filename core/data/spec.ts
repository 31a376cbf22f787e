/** Which dataset to read: the pipeline's dataset node and the CLI name datasets this way. */
import { z } from 'zod';

export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

export const DatasetSpecSchema = z.discriminatedUnion('kind', [
  /** The 2,000 + 500 image Fashion-MNIST sample shipped in core/data/samples. */
  z.object({ kind: z.literal('sample') }),
  /** The full Fashion-MNIST: Debian's dataset-fashion-mnist folder unless `path` names another. */
  z.object({ kind: z.literal('fashion-mnist'), path: z.string().min(1).optional() }),
  z.object({ kind: z.literal('mnist'), path: z.string().min(1) }),
  /** A cifar-10-batches-bin folder. */
  z.object({ kind: z.literal('cifar10'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('image-folder'),
    /** ROOT/<class>/*.png|jpg, or ROOT/train/<class>/... with ROOT/test (or val)/<class>/... */
    path: z.string().min(1),
  }),
]);
export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;
export type DatasetKind = DatasetSpec['kind'];

/** Sensible input defaults per kind: digits are not flipped, small greys are padded. */
export function defaultAugmentFor(kind: DatasetKind): { cropPadding: number; horizontalFlip: boolean } {
  switch (kind) {
    case 'mnist':
      return { cropPadding: 2, horizontalFlip: false };
    case 'fashion-mnist':
    case 'sample':
      return { cropPadding: 2, horizontalFlip: true };
    case 'cifar10':
    case 'image-folder':
      return { cropPadding: 4, horizontalFlip: true };
  }
}
