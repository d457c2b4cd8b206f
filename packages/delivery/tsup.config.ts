import { packageBuild } from '../../tools/tsup.package';

export default packageBuild();
