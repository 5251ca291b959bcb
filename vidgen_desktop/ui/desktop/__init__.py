"""The desktop around the window, for long jobs: keep the computer awake while a job runs, a
notification when one ends, progress on the taskbar or dock, through each platform's own
mechanism (QtDBus on Linux, the Win32 and IOKit calls elsewhere)."""
