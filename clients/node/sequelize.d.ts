import type { AttachOptions } from './index';

/**
 * Returns a copy of a Sequelize options object, or of sequelize-cli's
 * configuration (one options object per environment), with an afterConnect
 * hook that attaches pg-conventions. A promise or a function of either gives
 * the same, later.
 */
declare function withConventions<T>(config: T, options?: AttachOptions): T;
declare namespace withConventions {
  export { withConventions };
}
export = withConventions;
