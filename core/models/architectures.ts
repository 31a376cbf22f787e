/** Every backbone family the studio builds. Adding one: its folder exports an Architecture; add it here. */
import { pitArchitecture } from './pit/architecture';
import { swinArchitecture } from './swin/architecture';
import { vitArchitecture } from './vit/architecture';

import type { Architecture } from './architecture';

export const ARCHITECTURES: readonly Architecture[] = [vitArchitecture, pitArchitecture, swinArchitecture];
