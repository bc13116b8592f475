"""Certificates of participation (หนังสือรับรองการเข้าร่วม): a PDF for each person who took part, checked at /verify/<code>."""
