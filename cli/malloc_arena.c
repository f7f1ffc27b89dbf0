/* The allocator of the cordon program built against musl (cli/CMakeLists.txt).
 *
 * musl's own allocator gives each size class pages of their own and hands
 * them back as soon as they are empty: one run of the program made 35
 * mmap and 25 munmap calls, and each mapping is another area the
 * supervisor's clone copies and its exit tears down. The program lives
 * for one command and allocates little, so this one takes memory in
 * chunks of 1 MiB and never returns it: a freed block goes on the free
 * list of its size class (powers of two, 16 bytes to 128 KiB) and serves
 * the next request of that class, so a loop that allocates and frees does
 * not grow. Larger blocks are mappings of their own, unmapped when freed.
 *
 * Each block starts with a header that names its class and whether it
 * is in use. The program stops (a trap: musl's abort() would signal the
 * thread id it saved at start-up, the parent's in a cloned supervisor)
 * rather than act on a block that is not one of ours, was freed already,
 * lies outside the chunks, or comes off a free list with a header or a
 * link that was overwritten: links are stored mixed with a secret from
 * the kernel (AT_RANDOM) and their own address, so an overflow into a
 * freed block cannot make malloc hand out an address of its choosing.
 * musl calls these for its own allocations too (a static program that
 * defines malloc, calloc, realloc and free replaces musl's). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define ALIGNMENT 16
#define PAGE 4096
#define MIN_SHIFT 4  /* 16 bytes */
#define MAX_SHIFT 17 /* 128 KiB */
#define N_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK ((size_t)1 << 20)
#define MAX_CHUNKS 1024 /* 1 GiB of small blocks */
#define LARGE N_CLASSES
#define MAGIC 0x636f7264u      /* "cord": a block in use */
#define MAGIC_FREE 0x66726565u /* "free": on a free list */

struct header {
    uint32_t magic;
    uint32_t cls; /* 0..N_CLASSES-1, or LARGE */
    size_t size;  /* the usable size: the class's, or a large block's */
};
_Static_assert(sizeof(struct header) == ALIGNMENT, "the header keeps blocks 16-byte aligned");

struct free_block {
    struct header h;
    uintptr_t next; /* the next free block, mixed (see link_of) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_block *free_list[N_CLASSES];
static char *chunk[MAX_CHUNKS];
static unsigned n_chunks;
static char *chunk_next, *chunk_end;
static uintptr_t secret;

static _Noreturn void stop(void)
{
    __builtin_trap();
}

/* A link as stored at |where|, and back (the same operation). */
static uintptr_t link_of(uintptr_t v, const void *where)
{
    return v ^ secret ^ ((uintptr_t)where >> 12);
}

static int in_chunks(const void *p)
{
    unsigned i;
    for (i = 0; i < n_chunks; i++)
        if ((const char *)p >= chunk[i] && (const char *)p < chunk[i] + CHUNK)
            return 1;
    return 0;
}

/* The class whose blocks hold |n| bytes; LARGE above the last. */
static unsigned class_of(size_t n)
{
    unsigned c = 0;
    size_t cap = (size_t)1 << MIN_SHIFT;
    while (cap < n && c < N_CLASSES) {
        cap <<= 1;
        c++;
    }
    return c;
}

static struct header *header_of(void *p)
{
    struct header *h = (struct header *)p - 1;
    if (((uintptr_t)p & (ALIGNMENT - 1)) || h->magic != MAGIC || h->cls > LARGE ||
        (h->cls < LARGE && (!in_chunks(h) || h->size != (size_t)1 << (h->cls + MIN_SHIFT))))
        stop();
    return h;
}

/* A mapping of its own, |align| (16 to a page) for the data: the header
 * lies in the mapping's first page, just before it. */
static void *take_large(size_t n, size_t align)
{
    size_t total;
    char *m;
    struct header *h;
    if (n > SIZE_MAX - align - PAGE) {
        errno = ENOMEM;
        return NULL;
    }
    total = (n + align + PAGE - 1) & ~(size_t)(PAGE - 1);
    m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    h = (struct header *)(m + align) - 1;
    h->magic = MAGIC;
    h->cls = LARGE;
    h->size = total - align;
    return h + 1;
}

static void free_large(struct header *h)
{
    char *start = (char *)((uintptr_t)h & ~(uintptr_t)(PAGE - 1));
    munmap(start, (size_t)((char *)(h + 1) + h->size - start));
}

/* A block of class |c| (locked). */
static void *take(unsigned c)
{
    size_t block = sizeof(struct header) + ((size_t)1 << (c + MIN_SHIFT));
    struct header *h;
    if (!secret) {
        const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
        if (r)
            memcpy(&secret, r + 8, sizeof secret);
        secret |= 1; /* never 0: also where the kernel gave nothing */
    }
    if (free_list[c]) {
        struct free_block *b = free_list[c], *next;
        if (b->h.magic != MAGIC_FREE || b->h.cls != c)
            stop();
        next = (struct free_block *)link_of(b->next, &b->next);
        if (next && (((uintptr_t)next & (ALIGNMENT - 1)) || !in_chunks(next)))
            stop();
        free_list[c] = next;
        b->h.magic = MAGIC;
        return &b->h + 1;
    }
    if ((size_t)(chunk_end - chunk_next) < block) {
        /* The rest of the chunk is left unused: less than one block of
         * the largest class. */
        char *m;
        if (n_chunks == MAX_CHUNKS) {
            errno = ENOMEM;
            return NULL;
        }
        m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            errno = ENOMEM;
            return NULL;
        }
        chunk[n_chunks++] = m;
        chunk_next = m;
        chunk_end = m + CHUNK;
    }
    h = (struct header *)chunk_next;
    chunk_next += block;
    h->magic = MAGIC;
    h->cls = c;
    h->size = (size_t)1 << (c + MIN_SHIFT);
    return h + 1;
}

void *malloc(size_t n)
{
    unsigned c = class_of(n ? n : 1);
    void *p;
    if (c == LARGE)
        return take_large(n, ALIGNMENT);
    pthread_mutex_lock(&lock);
    p = take(c);
    pthread_mutex_unlock(&lock);
    return p;
}

void free(void *p)
{
    struct header *h;
    struct free_block *b;
    if (!p)
        return;
    h = header_of(p);
    if (h->cls == LARGE) {
        free_large(h);
        return;
    }
    b = (struct free_block *)h;
    pthread_mutex_lock(&lock);
    h->magic = MAGIC_FREE;
    b->next = link_of((uintptr_t)free_list[h->cls], &b->next);
    free_list[h->cls] = b;
    pthread_mutex_unlock(&lock);
}

void *calloc(size_t n, size_t size)
{
    void *p;
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t n)
{
    struct header *h;
    void *q;
    if (!p)
        return malloc(n);
    h = header_of(p);
    if (n <= h->size && (h->cls == LARGE || h->cls == 0 || n > h->size / 2))
        return p;
    q = malloc(n);
    if (!q)
        return NULL;
    memcpy(q, p, n < h->size ? n : h->size);
    free(p);
    return q;
}

/* Up to 16 bytes every block is aligned; up to a page a mapping of its
 * own is (see take_large). */
void *aligned_alloc(size_t align, size_t n)
{
    if (align & (align - 1) || align > PAGE) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= ALIGNMENT)
        return malloc(n);
    return take_large(n, align);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p;
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    p = aligned_alloc(align, n);
    if (!p)
        return errno;
    *out = p;
    return 0;
}

size_t malloc_usable_size(void *p)
{
    return p ? header_of(p)->size : 0;
}
