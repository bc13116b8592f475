"""The summary report of a hearing (สรุปผลการรับฟังความคิดเห็น): made from the data, downloaded, published."""
