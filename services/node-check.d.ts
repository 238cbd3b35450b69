/** Types of `node-check.js`, which stays plain JavaScript so that an old Node can run it. */
export declare const REQUIRED_MAJOR: number;
export declare const TESTED_RELEASE: string;
export declare function nodeProblem(version: string): string | undefined;
