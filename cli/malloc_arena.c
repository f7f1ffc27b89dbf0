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
 * is in use; free() and realloc() stop the program (abort) on a header
 * that is not one of ours or a block freed already, rather than act on
 * it. musl calls these for its own allocations
 * too (a static program that defines malloc, calloc, realloc and free
 * replaces musl's). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGNMENT 16
#define MIN_SHIFT 4  /* 16 bytes */
#define MAX_SHIFT 17 /* 128 KiB */
#define N_CLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define CHUNK ((size_t)1 << 20)
#define LARGE N_CLASSES
#define MAGIC 0x636f7264u      /* "cord": a block in use */
#define MAGIC_FREE 0x66726565u /* "free": on a free list */

struct header {
    uint32_t magic;
    uint32_t cls;   /* 0..N_CLASSES-1, or LARGE */
    size_t size;    /* the usable size: the class's, or a large block's */
};
_Static_assert(sizeof(struct header) == ALIGNMENT, "the header keeps blocks 16-byte aligned");

struct free_block {
    struct header h;
    struct free_block *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct free_block *free_list[N_CLASSES];
static char *chunk_next, *chunk_end;

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
    if (h->magic != MAGIC || (h->cls > LARGE))
        abort();
    return h;
}

static void *take_large(size_t n)
{
    size_t total;
    struct header *h;
    if (n > SIZE_MAX - sizeof *h - 4095) {
        errno = ENOMEM;
        return NULL;
    }
    total = (n + sizeof *h + 4095) & ~(size_t)4095;
    h = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (h == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    h->magic = MAGIC;
    h->cls = LARGE;
    h->size = total - sizeof *h;
    return h + 1;
}

/* A block of class |c| (locked). */
static void *take(unsigned c)
{
    size_t block = sizeof(struct header) + ((size_t)1 << (c + MIN_SHIFT));
    struct header *h;
    if (free_list[c]) {
        struct free_block *b = free_list[c];
        free_list[c] = b->next;
        b->h.magic = MAGIC;
        return &b->h + 1;
    }
    if ((size_t)(chunk_end - chunk_next) < block) {
        /* The rest of the chunk is left unused: at most one block of
         * the largest class. */
        char *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            errno = ENOMEM;
            return NULL;
        }
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
        return take_large(n);
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
        munmap(h, h->size + sizeof *h);
        return;
    }
    b = (struct free_block *)h;
    pthread_mutex_lock(&lock);
    h->magic = MAGIC_FREE;
    b->next = free_list[h->cls];
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

/* Every block is 16-byte aligned; nothing in the program or in musl's
 * functions it uses asks for more, and more is refused. */
void *aligned_alloc(size_t align, size_t n)
{
    if (align > ALIGNMENT || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return malloc(n);
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
