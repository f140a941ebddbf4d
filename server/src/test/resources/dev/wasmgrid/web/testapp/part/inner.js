// A file in one of the app's folders (its workloads' files are kept apart).
export const part = 1;
